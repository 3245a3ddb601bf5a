import type {JunitDocument, JunitTestCase} from '../junitTypes';
import {junitSummary} from '../summary';

const testcase = (extra: Partial<JunitTestCase> = {}): JunitTestCase => ({$: {classname: 't', name: 't', time: '0', file: 'f'}, ...extra});
const leaked = (bytes: number, blocks: number) => ({property: [{$: {name: 'pmm.leaked.bytes', value: String(bytes)}}, {$: {name: 'pmm.leaked.blocks', value: String(blocks)}}]});
const problem = (type: string) => [{$: {message: 'm', type}, _: 't'}];

function document(cases: JunitTestCase[]): JunitDocument {
  const suite = {$: {name: 'f', tests: String(cases.length), failures: '0', errors: '0', skipped: '0', time: '0', timestamp: '2025-01-01T00:00:00'}, testcase: cases};
  return {testsuites: {$: {name: 'jest tests', tests: '0', failures: '0', errors: '0', time: '0'}, testsuite: [suite, {...suite, testcase: []}]}};
}

test('counts outcomes by type and sums the leaks', () => {
  const text = junitSummary(
    document([
      testcase(),
      testcase({properties: leaked(600, 3), failure: problem('MemoryLeak')}),
      testcase({properties: leaked(64, 1), error: problem('Crash')}),
      testcase({error: problem('KernelPanic')}),
      testcase({failure: problem('AssertionError')}),
      testcase({skipped: {}}),
    ]),
    '/r/junit.xml',
  );
  expect(text).toBe(
    'pmm: 6 tests in 2 files: 1 passed, 2 failed (1 MemoryLeak, 1 AssertionError), 2 errors (1 Crash, 1 KernelPanic), 1 skipped\n' +
      'pmm: 664 bytes in 4 blocks leaked, in 2 tests\n' +
      'pmm: JUnit report: /r/junit.xml\n',
  );
});

test('a clean run says nothing leaked, in the singular where there is one', () => {
  expect(junitSummary(document([testcase()]), 'j.xml')).toContain('pmm: 1 test in 2 files: 1 passed, 0 failed, 0 errors, 0 skipped\npmm: no test leaked\n');
});

test("a leak of a file's afterAll is counted, apart from the tests'", () => {
  const text = junitSummary(
    document([testcase({properties: leaked(1, 1), failure: problem('MemoryLeak')}), testcase({properties: leaked(4096, 1), error: problem('TestSuiteError')})]),
    'j.xml',
  );
  expect(text).toContain('pmm: 2 tests in 2 files: 0 passed, 1 failed (1 MemoryLeak), 1 error (1 TestSuiteError), 0 skipped\n');
  expect(text).toContain("pmm: 4097 bytes in 2 blocks leaked, in 1 test and 1 file's afterAll or top level\n");
  expect(junitSummary(document([testcase({properties: leaked(1, 1), failure: problem('MemoryLeak')})]), 'j.xml')).toContain('pmm: 1 byte in 1 block leaked, in 1 test\n');
});

test('a leak in a test that passed (asserted, allowed, within the threshold) is said apart: it failed nothing', () => {
  const asserted = testcase({properties: leaked(600, 3)});
  expect(junitSummary(document([asserted, testcase({properties: leaked(64, 1)})]), 'j.xml')).toContain(
    'pmm: 664 bytes in 4 blocks leaked, in 2 tests that passed (asserted, allowed or within leakThreshold)\n',
  );
  expect(junitSummary(document([asserted, testcase({properties: leaked(64, 1), failure: problem('MemoryLeak')})]), 'j.xml')).toContain(
    'pmm: 664 bytes in 4 blocks leaked, in 2 tests; 600 bytes in 3 blocks of it in 1 test that passed (asserted, allowed or within leakThreshold)\n',
  );
});

test("a beforeAll's leak, in the figures of each test it failed, is said to be counted in each", () => {
  const failedBy = {failure: [{$: {message: 'in beforeAll: 100 bytes in 1 block leaked', type: 'MemoryLeak'}, _: 'in beforeAll: 100 bytes in 1 block leaked by /p\n  ...'}], properties: leaked(100, 1)};
  // Behind an assertion of the test's own, which leads: the note is there all the same.
  const behind = {failure: [{$: {message: 'Error: expect(received) (and 1 more problem)', type: 'AssertionError'}, _: 'Error: expect(received)\n\nin beforeAll: 100 bytes in 1 block leaked by /p'}], properties: leaked(100, 1)};
  const note = " (a beforeAll's leak counted in each test of its block it failed)\n";
  expect(junitSummary(document([testcase(failedBy), testcase(failedBy)]), 'j.xml')).toContain(`pmm: 200 bytes in 2 blocks leaked, in 2 tests${note}`);
  expect(junitSummary(document([testcase(behind)]), 'j.xml')).toContain(`pmm: 100 bytes in 1 block leaked, in 1 test${note}`);
  // A beforeAll's mismatch, or a leak of the test's own, is no such leak.
  const own = {failure: [{$: {message: '100 bytes in 1 block leaked', type: 'MemoryLeak'}, _: '100 bytes in 1 block leaked by /p\n\nin beforeAll: new[] block of 4 bytes released with delete'}], properties: leaked(100, 1)};
  expect(junitSummary(document([testcase(own)]), 'j.xml')).toContain('pmm: 100 bytes in 1 block leaked, in 1 test\n');
});
