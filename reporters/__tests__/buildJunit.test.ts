// Table tests for turning Jest results into the JUnit report; every report rendered here is checked
// against junit.xsd in the single afterEach.

import type {TestResult} from '@jest/reporters';
import {buildJunit} from '../buildJunit';
import {figuresKey} from '../../harness/testFigures';
import type {JunitDocument} from '../junitTypes';
import {renderJunit} from '../renderJunit';
import {formatLeakMessage, leakFailureDetail, summarize} from '../../harness/leakReport';
import {faultFailureDetail, PmmFaultError} from '../../harness/faults';
import {formatMismatchMessage, mismatchFailureDetail} from '../../harness/mismatchReport';
import type {Leak} from '../../harness/types';
import {ProducedReports} from './validateJunit';
import {aggregated, ROOT_DIR, START, testCase, testFile} from './results';
import type {AggregatedResult} from '@jest/reporters';

const produced = new ProducedReports();

afterEach(() => {
  produced.check();
});

const OPTIONS = {rootDir: ROOT_DIR, suiteName: 'jest tests', ancestorSeparator: ' '};

/** Builds the report object and renders it, so that the afterEach validates what a run would write. */
function report(results: AggregatedResult): {junit: JunitDocument; xml: string} {
  const junit = buildJunit(results, OPTIONS);
  return {junit, xml: produced.add(renderJunit(junit))};
}

const LEAKS: Leak[] = [
  {
    bytes: 300,
    blocks: 3,
    kinds: ['malloc'],
    frames: [
      {address: '0x55d0c6a01100', function: 'make_buf', file: '/src/buf.c', line: 12, object: '/bin/leaky', offset: '0x1100'},
      {address: '0x55d0c6a0117a', function: 'main', file: '/src/leaky.c', line: 42, object: '/bin/leaky', offset: '0x117a'},
    ],
  },
  {bytes: 24, blocks: 1, kinds: ['calloc'], frames: [{address: '0x10', function: null, file: null, line: null, object: null}]},
];
const LEAK = leakFailureDetail({program: './leaky', leaks: LEAKS, summary: summarize(LEAKS)});
// What a worker sends: the same detail after a trip through JSON.
const LEAK_FROM_WORKER: unknown = JSON.parse(JSON.stringify(LEAK));

describe('a clean run', () => {
  const results = aggregated([
    testFile('fixtures/__tests__/clean.vm.test.ts', [
      testCase('frees everything', {ancestorTitles: ['clean.c', 'main'], duration: 1234}),
      testCase('exits 0', {ancestorTitles: ['clean.c'], duration: 5}),
    ]),
    testFile('lib/other.test.ts', [testCase('top level', {duration: null})]),
  ]);

  it('has a root with the totals', () => {
    expect(report(results).junit.testsuites.$).toEqual({name: 'jest tests', tests: '3', failures: '0', errors: '0', time: '1.750'});
  });

  it('has one suite per file, named by its path from rootDir', () => {
    expect(report(results).junit.testsuites.testsuite.map(suite => suite.$)).toEqual([
      {name: 'fixtures/__tests__/clean.vm.test.ts', tests: '2', failures: '0', errors: '0', skipped: '0', time: '1.500', timestamp: '2025-11-26T06:57:11'},
      {name: 'lib/other.test.ts', tests: '1', failures: '0', errors: '0', skipped: '0', time: '1.500', timestamp: '2025-11-26T06:57:11'},
    ]);
  });

  it.each([
    [0, 0, {classname: 'clean.c main frees everything', name: 'clean.c main frees everything', time: '1.234', file: 'fixtures/__tests__/clean.vm.test.ts'}],
    [0, 1, {classname: 'clean.c exits 0', name: 'clean.c exits 0', time: '0.005', file: 'fixtures/__tests__/clean.vm.test.ts'}],
    [1, 0, {classname: 'top level', name: 'top level', time: '0.000', file: 'lib/other.test.ts'}],
  ])('suite %d case %d: classname and name join the describe blocks and the title', (suite, index, expected) => {
    const testcase = report(results).junit.testsuites.testsuite[suite].testcase[index];
    expect(testcase).toEqual({$: expected});
  });

  it('renders a document that says nothing failed', () => {
    const {xml} = report(results);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(xml).not.toMatch(/<failure|<error|<skipped/);
  });
});

describe('a test that leaked', () => {
  it.each([
    ['as built in the environment', LEAK],
    ['after crossing from a worker as JSON', LEAK_FROM_WORKER],
  ])('gets a MemoryLeak failure with the stacks and the totals, %s', (_name, detail) => {
    const results = aggregated([
      testFile('fixtures/__tests__/leaky.vm.test.ts', [
        testCase('leaks', {status: 'failed', failureDetails: [detail], failureMessages: ['Error: 324 bytes in 4 blocks leaked by ./leaky\n    at …']}),
      ]),
    ]);
    const {junit, xml} = report(results);
    const [suite] = junit.testsuites.testsuite;
    expect(suite.$).toMatchObject({tests: '1', failures: '1', errors: '0'});
    expect(junit.testsuites.$.failures).toBe('1');
    expect(suite.testcase[0].properties).toEqual({
      property: [
        {$: {name: 'pmm.leaked.bytes', value: '324'}},
        {$: {name: 'pmm.leaked.blocks', value: '4'}},
      ],
    });
    expect(suite.testcase[0].failure).toEqual([
      {$: {message: '324 bytes in 4 blocks leaked', type: 'MemoryLeak'}, _: formatLeakMessage(LEAKS, summarize(LEAKS), './leaky')},
    ]);
    expect(xml).toContain('    by make_buf (/src/buf.c:12)\n    by main (/src/leaky.c:42)');
  });

  it("ends the leak's text with the stack lines of the test's pmm.run call, as a fault's", () => {
    const atCall = {...LEAK, stack: `${LEAK.stack}\n    at Object.<anonymous> (/src/__tests__/leaky.test.js:8:23)`};
    const results = aggregated([testFile('leaky.test.js', [testCase('leaks', {status: 'failed', failureDetails: [atCall], failureMessages: ['leak text']})])]);
    const [testcase] = report(results).junit.testsuites.testsuite[0].testcase;
    expect(testcase.failure?.[0]._).toBe(`${formatLeakMessage(LEAKS, summarize(LEAKS), './leaky')}\n    at Object.<anonymous> (/src/__tests__/leaky.test.js:8:23)`);
  });

  it("keeps the hook a leak came from, as Jest's message says it ('in beforeAll: ...'), though its text is made anew", () => {
    const inBeforeAll = {...LEAK, message: `in beforeAll: ${LEAK.message}`, stack: `in beforeAll: ${LEAK.stack}`};
    const results = aggregated([testFile('t.test.js', [testCase('fails for it', {status: 'failed', failureDetails: [inBeforeAll], failureMessages: ['leak text']})])]);
    const [testcase] = report(results).junit.testsuites.testsuite[0].testcase;
    expect(testcase.failure?.[0].$.message).toBe('in beforeAll: 324 bytes in 4 blocks leaked');
    expect(testcase.failure?.[0]._).toBe(`in beforeAll: ${formatLeakMessage(LEAKS, summarize(LEAKS), './leaky')}`);
  });

  it('keeps an assertion failure beside the leak in one failure element, and sums the leaks of several runs', () => {
    const second = leakFailureDetail({program: './other', leaks: [LEAKS[1]], summary: summarize([LEAKS[1]])});
    const results = aggregated([
      testFile('t.test.ts', [
        testCase('both', {
          status: 'failed',
          failureDetails: [{matcherResult: {pass: false}}, LEAK_FROM_WORKER, second],
          failureMessages: ['Error: expect(received).toBe(expected)\n\nExpected: 1\nReceived: 2', 'leak text', 'leak text'],
        }),
      ]),
    ]);
    const [testcase] = report(results).junit.testsuites.testsuite[0].testcase;
    // One element: GitHub's consumers read only the first. Its text holds all three problems in order.
    expect(testcase.failure?.map(failure => failure.$)).toEqual([{message: 'Error: expect(received).toBe(expected) (and 2 more problems)', type: 'AssertionError'}]);
    const text = testcase.failure?.[0]._ ?? '';
    expect(text.indexOf('Expected: 1')).toBeLessThan(text.indexOf('324 bytes in 4 blocks leaked by ./leaky'));
    expect(text.indexOf('324 bytes in 4 blocks leaked by ./leaky')).toBeLessThan(text.indexOf('24 bytes in 1 block leaked by ./other'));
    expect(testcase.properties?.property.map(property => property.$.value)).toEqual(['348', '5']);
  });

  it('reports malformed leak data as an ordinary failure', () => {
    const broken = {name: 'MemoryLeak', message: 'leaked', pmmLeak: {program: './leaky', summary: {bytes: '300'}, leaks: []}};
    const results = aggregated([
      testFile('t.test.ts', [testCase('broken', {status: 'failed', failureDetails: [broken], failureMessages: ['MemoryLeak: leaked']})]),
    ]);
    const [testcase] = report(results).junit.testsuites.testsuite[0].testcase;
    expect(testcase.properties).toBeUndefined();
    expect(testcase.failure).toEqual([{$: {message: 'MemoryLeak: leaked', type: 'AssertionError'}, _: 'MemoryLeak: leaked'}]);
  });
});

describe('a test whose program released blocks with the wrong call', () => {
  const mismatches = [
    {
      allocation: {kind: 'new[]' as const, size: 40, frames: [{address: '0x1200', function: 'make_array', file: '/src/arr.cc', line: 7, object: '/bin/mm'}]},
      release: {kind: 'delete' as const, frames: [{address: '0x1300', function: 'drop_array', file: '/src/arr.cc', line: 12, object: '/bin/mm'}]},
      count: 2,
    },
    {allocation: {kind: 'malloc' as const, size: 30, frames: []}, release: {kind: 'delete' as const, frames: []}, count: 1},
  ];
  const detail: unknown = JSON.parse(JSON.stringify(mismatchFailureDetail({program: './mm', mismatches, mismatchedFrees: 3})));

  it('gets a MismatchedFree failure naming both kinds, with both stacks, and no leak figures', () => {
    const results = aggregated([
      testFile('t.test.ts', [testCase('mismatched', {status: 'failed', failureDetails: [detail], failureMessages: ['Error: 3 blocks released …']})]),
    ]);
    const {junit, xml} = report(results);
    const [testcase] = junit.testsuites.testsuite[0].testcase;
    expect(testcase.properties).toBeUndefined();
    expect(testcase.failure).toEqual([
      {$: {message: '3 blocks released by a mismatched free/delete in ./mm', type: 'MismatchedFree'}, _: formatMismatchMessage(mismatches, 3, './mm')},
    ]);
    expect(xml).toContain(
      '  new[] block of 40 bytes released with delete (2 times)\n    by drop_array (/src/arr.cc:12)\n  allocated with new[]\n    by make_array (/src/arr.cc:7)',
    );
  });

  it('reports malformed mismatch data as an ordinary failure', () => {
    const broken = {name: 'MismatchedFree', message: 'mismatched', stack: 'mismatched', pmmMismatch: {mismatchedFrees: '3', mismatches: []}};
    const results = aggregated([
      testFile('t.test.ts', [testCase('broken', {status: 'failed', failureDetails: [broken], failureMessages: ['MismatchedFree: mismatched']})]),
    ]);
    const [testcase] = report(results).junit.testsuites.testsuite[0].testcase;
    expect(testcase.failure).toEqual([{$: {message: 'MismatchedFree: mismatched', type: 'AssertionError'}, _: 'MismatchedFree: mismatched'}]);
  });
});

describe('other outcomes', () => {
  it('an assertion failure carries its message without colours', () => {
    const message = '\u001b[1m\u001b[31mexpect(\u001b[22mreceived\u001b[31m).toBe(\u001b[32mexpected\u001b[31m)\u001b[39m\n\nExpected: \u001b[32m0\u001b[39m';
    const results = aggregated([testFile('t.test.ts', [testCase('exit code', {status: 'failed', failureMessages: [message]})])]);
    const [testcase] = report(results).junit.testsuites.testsuite[0].testcase;
    expect(testcase.failure).toEqual([
      {$: {message: 'expect(received).toBe(expected)', type: 'AssertionError'}, _: 'expect(received).toBe(expected)\n\nExpected: 0'},
    ]);
  });

  it('a failed test without any message still has a failure', () => {
    const results = aggregated([testFile('t.test.ts', [testCase('silent', {status: 'failed'})])]);
    expect(report(results).junit.testsuites.testsuite[0].testcase[0].failure).toEqual([{$: {message: 'failed', type: 'AssertionError'}, _: 'failed'}]);
  });

  // Its message starts "pmm: ", as the README says: it started with Jest's "ProgramError: ".
  it("makes pmm's refusal of a run (a ProgramError) an error of its own type, not an assertion's failure, its message pmm's", () => {
    const message = 'ProgramError: pmm: program does not exist: /nope\n    at Object.run (t.test.ts:4:44)';
    const results = aggregated([testFile('t.test.ts', [testCase('refused', {status: 'failed', failureDetails: [{}], failureMessages: [message]})])]);
    const [testcase] = report(results).junit.testsuites.testsuite[0].testcase;
    expect(testcase.failure).toBeUndefined();
    expect(testcase.error?.map(error => error.$)).toEqual([{message: 'pmm: program does not exist: /nope', type: 'PmmError'}]);
    expect(testcase.error?.[0]._).toBe(message);
  });

  it.each(['pending', 'skipped', 'todo', 'disabled'] as const)('a %s test is skipped', status => {
    const results = aggregated([testFile('t.test.ts', [testCase('later', {status, duration: null}), testCase('now')])]);
    const {junit, xml} = report(results);
    expect(junit.testsuites.testsuite[0].$).toMatchObject({tests: '2', skipped: '1', failures: '0'});
    expect(junit.testsuites.testsuite[0].testcase.map(test => test.skipped)).toEqual([{}, undefined]);
    expect(xml).toContain('<skipped/>');
  });

  it('a file that could not run gets an error case, so it does not look green', () => {
    const results = aggregated([
      testFile('broken.test.ts', [], {testExecError: {message: 'Cannot find module \u001b[1m./missing\u001b[22m', stack: ''}, failureMessage: 'ignored'}),
      testFile('empty-fail.test.ts', [], {failureMessage: 'Your test suite must contain at least one test.'}),
    ]);
    const {junit} = report(results);
    expect(junit.testsuites.testsuite.map(suite => suite.$.errors)).toEqual(['1', '1']);
    expect(junit.testsuites.$).toMatchObject({tests: '2', errors: '2'});
    expect(junit.testsuites.testsuite[0].testcase[0]).toEqual({
      $: {classname: 'broken.test.ts', name: 'broken.test.ts', time: '0.000', file: 'broken.test.ts'},
      error: [{$: {message: 'Cannot find module ./missing', type: 'TestSuiteError'}, _: 'Cannot find module ./missing'}],
    });
  });

  it('no test files at all still makes a valid report', () => {
    expect(report(aggregated([])).junit.testsuites.$).toEqual({name: 'jest tests', tests: '0', failures: '0', errors: '0', time: '0.000'});
  });
});

describe('text XML 1.0 forbids', () => {
  it.each([
    ['NUL and other C0 controls', 'a\u0000b\u0001c\u0008d\u000be\u000cf\u001fg', 'abcdefg'],
    ['tab, newline and carriage return stay', 'a\tb\nc\rd', 'a\tb\nc\rd'],
    ['U+FFFE and U+FFFF', 'a\ufffeb\uffffc', 'abc'],
    ['a lone surrogate', 'a\ud800b\udc00c', 'abc'],
    ['an astral character stays', 'leak 🐛 here', 'leak 🐛 here'],
    ['escape codes go; C1 NEL, which XML 1.0 allows, stays', '\u001b]0;title\u0007red\u001b[0m \u0085ok', 'red \u0085ok'],
  ])('%s', (_name, text, expected) => {
    const results = aggregated([
      testFile('t.test.ts', [testCase(`title ${text}`, {ancestorTitles: [text], status: 'failed', failureMessages: [`message ${text}`]})]),
    ]);
    const {junit, xml} = report(results);
    const [testcase] = junit.testsuites.testsuite[0].testcase;
    expect(testcase.$.name).toBe(`${expected} title ${expected}`);
    expect(testcase.failure?.[0]._).toBe(`message ${expected}`);
    expect(xml).toContain('<failure');
  });
});

it('times are never negative, even when a clock went backwards', () => {
  const results = aggregated([
    testFile('t.test.ts', [testCase('t', {duration: -5})], {
      perfStats: {...testFile('x', []).perfStats, start: START, end: START - 10},
    }),
  ]);
  const {junit} = report({...results, startTime: START + 100});
  expect(junit.testsuites.$.time).toBe('0.000');
  expect(junit.testsuites.testsuite[0].$.time).toBe('0.000');
  expect(junit.testsuites.testsuite[0].testcase[0].$.time).toBe('0.000');
});

it("a file that failed before it began (Jest gives its start as 0) is stamped with the run's start, not 1970", () => {
  const results = aggregated([
    testFile('t.test.ts', [], {perfStats: {...testFile('x', []).perfStats, start: 0, end: 0}, failureMessage: 'bad docblock'}),
  ]);
  const {junit} = report({...results, startTime: START});
  expect(junit.testsuites.testsuite[0].$.timestamp).toBe(new Date(START).toISOString().slice(0, 19));
});

describe('faults', () => {
  const crash = faultFailureDetail(
    {program: './crash', args: [], exitCode: null, signal: 'SIGSEGV', timedOut: false, stdout: '', stderr: '', leaks: [LEAKS[1]], summary: summarize([LEAKS[1]])},
    'crash',
  );
  const leakOfCrash = leakFailureDetail({program: './crash', leaks: [LEAKS[1]], summary: summarize([LEAKS[1]])});

  it('a crash is one <error> of type Crash, ahead of its leaks, with the leaks up to then as properties', () => {
    const results = aggregated([
      testFile('t.test.ts', [
        testCase('crashes', {status: 'failed', failureDetails: JSON.parse(JSON.stringify([crash, leakOfCrash])), failureMessages: ['crash text', 'leak text']}),
      ]),
    ]);
    const {junit} = report(results);
    const [testcase] = junit.testsuites.testsuite[0].testcase;
    expect(testcase.failure).toBeUndefined();
    expect(testcase.error?.map(e => e.$)).toEqual([{message: './crash crashed with SIGSEGV; 24 bytes in 1 block leaked up to then (and 1 more problem)', type: 'Crash'}]);
    expect(testcase.properties?.property.map(p => [p.$.name, p.$.value])).toEqual([['pmm.leaked.bytes', '24'], ['pmm.leaked.blocks', '1'], ['pmm.fault', 'crash']]);
    expect(junit.testsuites.testsuite[0].$).toMatchObject({errors: '1', failures: '0'});
  });

  it.each([
    ['kernel-panic', 'KernelPanic'],
    ['boot-failure', 'VmBootFailure'],
    ['vm-failure', 'VmFailure'],
  ] as const)('a thrown PmmFaultError (%s) from a worker is an <error> of type %s with the failure message', (kind, type) => {
    const thrown = JSON.parse(JSON.stringify(new PmmFaultError(kind, '/bin/sh', new Error('console says so'))));
    const message = 'PmmFaultError: pmm: the VM failed\nguest console (/tmp/c.log):\nKernel panic - not syncing';
    const results = aggregated([testFile('t.test.ts', [testCase('vm', {status: 'failed', failureDetails: [thrown], failureMessages: [message]})])]);
    const [testcase] = report(results).junit.testsuites.testsuite[0].testcase;
    expect(testcase.error).toEqual([{$: {message: 'PmmFaultError: pmm: the VM failed', type}, _: message}]);
  });

  it('an afterAll that failed (Jest: empty message, the stack) is an error case of the file', () => {
    const results = aggregated([
      testFile('t.test.ts', [testCase('passes')], {testExecError: {message: '', stack: 'in afterAll: 24 bytes in 1 block leaked by ./x'}}),
    ]);
    const [suite] = report(results).junit.testsuites.testsuite;
    expect(suite.$).toMatchObject({tests: '2', errors: '1'});
    expect(suite.testcase[1].error?.[0].$.message).toBe('in afterAll: 24 bytes in 1 block leaked by ./x');
  });
});

describe('file and line', () => {
  it('uses Jest location when given, else finds the title in the source', () => {
    const source = "\n\ntest('found', () => {});\n";
    const results = aggregated([
      testFile('t.test.ts', [testCase('located', {location: {line: 7, column: 1}}), testCase('found'), testCase('generated %s')]),
    ]);
    const junit = buildJunit(results, {...OPTIONS, sourceOf: path => (path === `${ROOT_DIR}/t.test.ts` ? source : null)});
    produced.add(renderJunit(junit));
    expect(junit.testsuites.testsuite[0].testcase.map(test => test.$.line)).toEqual(['7', '3', undefined]);
  });

  it('gives a title used at two nesting levels each test its own line (both took the first)', () => {
    const source = "describe('x', () => {\n  test('works', () => {});\n});\ntest('works', () => {});\n";
    const results = aggregated([testFile('t.test.ts', [testCase('works', {ancestorTitles: ['x']}), testCase('works')])]);
    const junit = buildJunit(results, {...OPTIONS, sourceOf: () => source});
    produced.add(renderJunit(junit));
    expect(junit.testsuites.testsuite[0].testcase.map(test => [test.$.name, test.$.line])).toEqual([['x works', '2'], ['works', '4']]);
  });

  it('gives xit\'s test and each row of a .each call a line, the call\'s (they had none)', () => {
    const source = "xit('later', () => {});\nit.each([[1], [2]])(\n  'row %i', () => {});\n";
    const results = aggregated([testFile('t.test.ts', [testCase('later', {status: 'pending'}), testCase('row 1'), testCase('row 2')])]);
    const junit = buildJunit(results, {...OPTIONS, sourceOf: () => source});
    produced.add(renderJunit(junit));
    expect(junit.testsuites.testsuite[0].testcase.map(test => test.$.line)).toEqual(['1', '2', '2']);
  });
});

test('two tests of one title in one file: each its own figures and line, in the order the file defines them (they took each other\'s)', () => {
  const source = "\ntest('dup', () => {});\ntest('dup', () => {});\n";
  const figures = new Map([
    [figuresKey({project: 'p', path: `${ROOT_DIR}/d.test.ts`}, ['dup'], 0), {bytes: 0, blocks: 0}],
    [figuresKey({project: 'p', path: `${ROOT_DIR}/d.test.ts`}, ['dup'], 1), {bytes: 77, blocks: 1}],
  ]);
  const results = aggregated([testFile('d.test.ts', [testCase('dup'), testCase('dup')])]);
  const junit = buildJunit(results, {
    ...OPTIONS,
    sourceOf: () => source,
    figuresOf: (result, titles, occurrence) => figures.get(figuresKey({project: 'p', path: result.testFilePath}, titles, occurrence)) ?? null,
  });
  produced.add(renderJunit(junit));
  expect(junit.testsuites.testsuite[0].testcase.map(test => [test.$.line, test.properties?.property.map(p => p.$.value)])).toEqual([
    ['2', ['0', '0']],
    ['3', ['77', '1']],
  ]);
});

describe("the environment's figures for tests that passed", () => {
  const figures = new Map<string, {bytes: number; blocks: number}>([
    [JSON.stringify([`${ROOT_DIR}/a.test.ts`, 'suite', 'clean']), {bytes: 0, blocks: 0}],
    [JSON.stringify([`${ROOT_DIR}/a.test.ts`, 'suite', 'expected leak']), {bytes: 600, blocks: 3}],
    [JSON.stringify([`${ROOT_DIR}/a.test.ts`, 'leaks']), {bytes: 1, blocks: 1}],
  ]);
  const figuresOf = (result: TestResult, titles: readonly string[]) => figures.get(JSON.stringify([result.testFilePath, ...titles])) ?? null;

  it.each([
    ['a clean test', ['suite'], 'clean', {}, ['0', '0']],
    ['a test whose leak was expected', ['suite'], 'expected leak', {}, ['600', '3']],
    ['a failed leak keeps its own details', [], 'leaks', {status: 'failed' as const, failureDetails: [LEAK], failureMessages: ['x']}, ['324', '4']],
    ['a test pmm did not run has none', [], 'plain', {}, null],
  ])('%s', (_name, ancestorTitles, title, overrides, expected) => {
    const results = aggregated([testFile('a.test.ts', [testCase(title, {ancestorTitles, ...overrides})])]);
    const junit = buildJunit(results, {...OPTIONS, figuresOf});
    produced.add(renderJunit(junit));
    const properties = junit.testsuites.testsuite[0].testcase[0].properties?.property ?? [];
    const figure = (name: string) => properties.find(p => p.$.name === name)?.$.value;
    if (expected === null) expect(properties).toEqual([]);
    else expect([figure('pmm.leaked.bytes'), figure('pmm.leaked.blocks')]).toEqual(expected);
  });
});

describe("a project's displayName", () => {
  it('comes before the file in its suite name, so that two projects running one file are told apart', () => {
    const results = aggregated([
      testFile('a.test.ts', [testCase('t')], {displayName: {name: 'vm', color: 'white'}}),
      testFile('a.test.ts', [testCase('t')], {displayName: {name: 'host', color: 'white'}}),
      testFile('b.test.ts', [testCase('t')]),
    ]);
    const junit = buildJunit(results, OPTIONS);
    produced.add(renderJunit(junit));
    expect(junit.testsuites.testsuite.map(suite => suite.$.name)).toEqual(['vm › a.test.ts', 'host › a.test.ts', 'b.test.ts']);
    expect(junit.testsuites.testsuite.map(suite => suite.testcase[0].$.file)).toEqual(['a.test.ts', 'a.test.ts', 'b.test.ts']);
  });

  it('is asked of projectNameOf when given: a file that could not run has a result without it', () => {
    const results = aggregated([testFile('a.test.ts', [], {testExecError: {message: 'boom', stack: ''}})]);
    const junit = buildJunit(results, {...OPTIONS, projectNameOf: () => 'vm'});
    produced.add(renderJunit(junit));
    expect(junit.testsuites.testsuite[0].$.name).toBe('vm › a.test.ts');
  });
});
