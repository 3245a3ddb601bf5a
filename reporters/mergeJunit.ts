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

/** A report's suites, and the name its <testsuites> gives the run (none for a root <testsuite>). */
async function reportOf(xml: string, label: string): Promise<{name?: string; suites: Suite[]}> {
  let parsed: Parsed;
  try {
    parsed = (await parseStringPromise(xml)) as Parsed;
  } catch (error) {
    throw new JunitMergeError(`${label} is not XML: ${(error as Error).message.split('\n')[0]}`);
  }
  // A root <testsuite> (some tools write one) counts as a report of one suite; an empty root parses as ''.
  if (parsed?.testsuite !== undefined) return {suites: [parsed.testsuite]};
  if (typeof parsed?.testsuites === 'string') return {suites: []};
  if (parsed?.testsuites !== undefined) return {name: parsed.testsuites.$?.name, suites: parsed.testsuites.testsuite ?? []};
  throw new JunitMergeError(`${label} is not a JUnit report: its root is neither <testsuites> nor <testsuite>`);
}

/** A figure of every suite added up; one that is no number (a report of another tool's) counts as none. */
function total(suites: Suite[], key: string): number {
  return suites.reduce((sum, suite) => {
    const figure = Number(suite.$?.[key] ?? 0);
    return sum + (Number.isFinite(figure) ? figure : 0);
  }, 0);
}

/**
 * The merged report; reports are given as [label, xml], the label naming the input in errors. Its name is
 * the one the reports' <testsuites> give the run when they agree (`pmm run --junit`'s, a suiteName of
 * one's own), else name.
 */
export async function mergeJunit(reports: ReadonlyArray<readonly [string, string]>, name: string): Promise<string> {
  const parsed = await Promise.all(reports.map(([label, xml]) => reportOf(xml, label)));
  const suites = parsed.flatMap((report) => report.suites);
  const names = new Set(parsed.flatMap((report) => (report.name === undefined ? [] : [report.name])));
  const root = {
    $: {
      name: names.size === 1 ? [...names][0] : name,
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
