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

export function junitSummary(document: JunitDocument, outputFile: string): string {
  const cases = document.testsuites.testsuite.flatMap(suite => suite.testcase);
  const errors = cases.filter(test => test.error !== undefined);
  const failures = cases.filter(test => test.error === undefined && test.failure !== undefined);
  const skipped = cases.filter(test => test.skipped !== undefined);
  const passed = cases.length - errors.length - failures.length - skipped.length;
  const bytes = cases.reduce((sum, test) => sum + property(test, 'pmm.leaked.bytes'), 0);
  const blocks = cases.reduce((sum, test) => sum + property(test, 'pmm.leaked.blocks'), 0);
  const leaking = cases.filter(test => property(test, 'pmm.leaked.blocks') > 0).length;
  const lines = [
    `pmm: ${cases.length} tests in ${document.testsuites.testsuite.length} files: ${passed} passed, ` +
      `${failures.length} failed${failures.length > 0 ? ` (${countByType(failures)})` : ''}, ` +
      `${errors.length} errors${errors.length > 0 ? ` (${countByType(errors)})` : ''}, ${skipped.length} skipped`,
    leaking > 0 ? `pmm: ${bytes} bytes in ${blocks} blocks leaked, in ${leaking} ${leaking === 1 ? 'test' : 'tests'}` : 'pmm: no test leaked',
    `pmm: JUnit report: ${outputFile}`,
  ];
  return `${lines.join('\n')}\n`;
}
