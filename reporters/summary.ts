// Pure: the report's one-paragraph summary for stdout, read from the JUnit document itself so that the
// summary and the file can never disagree.

import type {JunitDocument, JunitTestCase} from './junitTypes';

function property(test: JunitTestCase, name: string): number {
  const found = test.properties?.property.find(p => p.$.name === name);
  return found === undefined ? 0 : Number(found.$.value);
}

function countByType(cases: JunitTestCase[]): string {
  const counts = new Map<string, number>();
  for (const type of cases.map(test => (test.error ?? test.failure ?? [])[0]?.$.type ?? 'unknown')) {
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return [...counts].map(([type, n]) => `${n} ${type}`).join(', ');
}

/** A beforeAll's leak in a problem's text (reporters/problems.ts keeps the hook it came from). */
const BEFORE_ALL_LEAK = /(^|\n)in beforeAll: \d+ bytes? in \d+ blocks? leaked by /;

/** "1 test", "2 tests". */
function counted(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

export function junitSummary(document: JunitDocument, outputFile: string): string {
  const cases = document.testsuites.testsuite.flatMap(suite => suite.testcase);
  const errors = cases.filter(test => test.error !== undefined);
  const failures = cases.filter(test => test.error === undefined && test.failure !== undefined);
  const skipped = cases.filter(test => test.skipped !== undefined);
  const passed = cases.length - errors.length - failures.length - skipped.length;
  const total = (tests: JunitTestCase[], name: string): number => tests.reduce((sum, test) => sum + property(test, name), 0);
  const bytes = total(cases, 'pmm.leaked.bytes');
  const blocks = total(cases, 'pmm.leaked.blocks');
  const isFileCase = (test: JunitTestCase): boolean => (test.error ?? [])[0]?.$.type === 'TestSuiteError';
  const leaked = cases.filter(test => property(test, 'pmm.leaked.blocks') > 0);
  const leaking = leaked.filter(test => !isFileCase(test)).length;
  // A file's own runs (its afterAll's) are no test's: said apart.
  const files = leaked.length - leaking;
  const whose = files === 1 ? "1 file's" : `${files} files'`;
  const where = [...(leaking > 0 ? [counted(leaking, 'test')] : []), ...(files > 0 ? [`${whose} afterAll or top level`] : [])].join(' and ');
  // A leak in a test that passed failed nothing (asserted with toLeak, within leakThreshold, or of a run
  // allowed to fault): said apart, so that the line does not read as leaks the run let through.
  const passing = leaked.filter(test => test.error === undefined && test.failure === undefined && test.skipped === undefined);
  const passingBytes = total(passing, 'pmm.leaked.bytes');
  const passingBlocks = total(passing, 'pmm.leaked.blocks');
  const failedNothing = passing.length === 0 ? ''
    : passing.length === leaked.length ? ' that passed (asserted, allowed or within leakThreshold)'
    : `; ${counted(passingBytes, 'byte')} in ${counted(passingBlocks, 'block')} of it in ${counted(passing.length, 'test')} that passed (asserted, allowed or within leakThreshold)`;
  // A beforeAll's leak fails each test of its block that runs, and is in each one's figures: so said. It
  // may be any of the test's problems, whose texts the element's holds, each from a line of its own.
  const inBeforeAll = leaked.some(test => [...(test.failure ?? []), ...(test.error ?? [])].some(p => BEFORE_ALL_LEAK.test(p._)));
  const eachCounted = inBeforeAll ? " (a beforeAll's leak counted in each test of its block it failed)" : '';
  const lines = [
    `pmm: ${counted(cases.length, 'test')} in ${counted(document.testsuites.testsuite.length, 'file')}: ${passed} passed, ` +
      `${failures.length} failed${failures.length > 0 ? ` (${countByType(failures)})` : ''}, ` +
      `${counted(errors.length, 'error')}${errors.length > 0 ? ` (${countByType(errors)})` : ''}, ${skipped.length} skipped`,
    leaked.length > 0 ? `pmm: ${counted(bytes, 'byte')} in ${counted(blocks, 'block')} leaked, in ${where}${failedNothing}${eachCounted}` : 'pmm: no test leaked',
    `pmm: JUnit report: ${outputFile}`,
  ];
  return `${lines.join('\n')}\n`;
}
