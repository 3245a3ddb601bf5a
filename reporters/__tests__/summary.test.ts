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

test('a clean run says nothing leaked', () => {
  expect(junitSummary(document([testcase()]), 'j.xml')).toContain('pmm: 1 tests in 2 files: 1 passed, 0 failed, 0 errors, 0 skipped\npmm: no test leaked\n');
});
