// Merges JUnit reports (the shards of a `jest --shard i/n` matrix) into one: every <testsuite> of every
// input, in order, under one <testsuites> whose totals are recomputed from them. Parsing and rendering go
// through xml2js, the library the reporter writes with.

import {Builder, parseStringPromise} from 'xml2js';

interface Parsed {
  testsuites?: {$?: Record<string, string>; testsuite?: Suite[]} | string;
  testsuite?: Suite;
}

interface Suite {
  $?: Record<string, string>;
  [child: string]: unknown;
}

export class JunitMergeError extends Error {}

/**
 * The comment a merged report begins with. It tells a report junit-merge wrote, which a later merge may
 * overwrite, from a shard's, which it must not: `pmm junit-merge shards/*.xml` would take the first shard for
 * the output and lose it.
 */
export const MERGED_MARK = '<!-- merged by pmm junit-merge -->';

/** Whether xml is a JUnit report that junit-merge did not write (a shard's, say). */
export function isUnmergedReport(xml: string): boolean {
  return !xml.includes(MERGED_MARK) && /<testsuites?[\s>/]/.test(xml);
}

async function suitesOf(xml: string, label: string): Promise<Suite[]> {
  let parsed: Parsed;
  try {
    parsed = (await parseStringPromise(xml)) as Parsed;
  } catch (error) {
    throw new JunitMergeError(`${label} is not XML: ${(error as Error).message.split('\n')[0]}`);
  }
  // A root <testsuite> (some tools write one) counts as a report of one suite; an empty root parses as ''.
  if (parsed?.testsuite !== undefined) return [parsed.testsuite];
  if (parsed?.testsuites !== undefined) return typeof parsed.testsuites === 'string' ? [] : (parsed.testsuites.testsuite ?? []);
  throw new JunitMergeError(`${label} is not a JUnit report: its root is neither <testsuites> nor <testsuite>`);
}

function total(suites: Suite[], key: string): number {
  return suites.reduce((sum, suite) => sum + Number(suite.$?.[key] ?? 0), 0);
}

/** The merged report; reports are given as [label, xml], the label naming the input in errors. */
export async function mergeJunit(reports: ReadonlyArray<readonly [string, string]>, name: string): Promise<string> {
  const suites = (await Promise.all(reports.map(([label, xml]) => suitesOf(xml, label)))).flat();
  const root = {
    $: {
      name,
      tests: String(total(suites, 'tests')),
      failures: String(total(suites, 'failures')),
      errors: String(total(suites, 'errors')),
      // Shards run side by side: the sum is the machine time spent, which is what a dashboard adds up.
      time: total(suites, 'time').toFixed(3),
    },
    ...(suites.length > 0 ? {testsuite: suites} : {}),
  };
  const builder = new Builder({xmldec: {version: '1.0', encoding: 'UTF-8'}, renderOpts: {pretty: true, indent: '  ', newline: '\n'}});
  const xml = builder.buildObject({testsuites: root});
  // After the declaration, which must come first.
  const declarationEnd = xml.indexOf('?>') + 2;
  return `${xml.slice(0, declarationEnd)}\n${MERGED_MARK}${xml.slice(declarationEnd)}\n`;
}
