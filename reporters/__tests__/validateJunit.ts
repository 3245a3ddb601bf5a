// Test helper: checks a JUnit document against reporters/junit.xsd with xmllint (Debian: libxml2-utils).

import {spawnSync} from 'child_process';
import {join} from 'path';

export const JUNIT_XSD = join(__dirname, '..', 'junit.xsd');

/** The schema errors xmllint reports, or null when the document is valid. */
export function junitSchemaErrors(xml: string): string | null {
  const run = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, '-'], {input: xml, encoding: 'utf8'});
  if (run.error !== undefined) throw new Error(`cannot run xmllint (install libxml2-utils): ${run.error.message}`);
  return run.status === 0 ? null : `${run.stderr}`.trim() || `xmllint exited ${run.status}`;
}

/**
 * Collects every report a test file produces; call `check()` from the file's single afterEach so that each
 * report is validated against the schema, whatever the test itself asserted.
 */
export class ProducedReports {
  private reports: string[] = [];

  add(xml: string): string {
    this.reports.push(xml);
    return xml;
  }

  check(): void {
    const reports = this.reports;
    this.reports = [];
    const problems = reports.map(junitSchemaErrors).filter((errors): errors is string => errors !== null);
    if (problems.length > 0) throw new Error(`report(s) not valid against junit.xsd:\n${problems.join('\n')}`);
  }
}
