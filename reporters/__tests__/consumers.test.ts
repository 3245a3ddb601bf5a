// The report as GitHub's three JUnit consumers read it. Each test states what that consumer's source does
// with the XML (read there, not guessed), and checks our report against it after parsing it the same way.
//  - dorny/test-reporter, reporter "java-junit" (xml2js): a case failed when it has <failure> or <error>;
//    it reads failure[0] (else error[0]): its text, `message` and `type`; times with parseFloat. Its
//    "jest-junit" reporter counts only <failure> as failed, so crashes (<error>) need "java-junit".
//  - mikepenz/action-junit-report (xml-js, compact): `testcase.failure` or `testcase.error` as ONE object
//    (two elements become an array and lose message and text); `file` and `line` attributes place the
//    annotation, else it searches the text for "file:line".
//  - EnricoMi/publish-unit-test-result-action (junitparser): each case's result is its failure, error or
//    skipped child; suites' tests/failures/errors/skipped attributes; `file` and `line` for annotations.
import {parseStringPromise} from 'xml2js';
import {buildJunit} from '../buildJunit';
import {renderJunit} from '../renderJunit';
import {faultFailureDetail} from '../../harness/faults';
import {leakFailureDetail, summarize} from '../../harness/leakReport';
import type {Leak} from '../../harness/types';
import {aggregated, ROOT_DIR, testCase, testFile} from './results';
import {junitSchemaErrors} from './validateJunit';

const LEAKS: Leak[] = [{bytes: 600, blocks: 3, kinds: ['malloc'], frames: [{address: '0x1', function: 'leak_malloc', file: '/src/leak.c', line: 9, object: null}]}];
const leak = leakFailureDetail({program: './leak', leaks: LEAKS, summary: summarize(LEAKS)});
const crash = faultFailureDetail({program: './crash', args: [], exitCode: null, signal: 'SIGSEGV', timedOut: false, stdout: '', stderr: '', leaks: LEAKS, summary: summarize(LEAKS)}, 'crash');
const SOURCE = "test('passes', () => {});\ntest('leaks', () => {});\ntest('crashes', () => {});\ntest('asserts', () => {});\ntest.skip('later', () => {});\n";

const xml = renderJunit(
  buildJunit(
    aggregated([
      testFile('tests/native.test.js', [
        testCase('passes'),
        testCase('leaks', {status: 'failed', failureDetails: [leak, {matcherResult: {}}], failureMessages: ['leak', 'Error: expect(x).toBe(y)']}),
        testCase('crashes', {status: 'failed', failureDetails: [crash, leak], failureMessages: ['crash', 'leak']}),
        testCase('asserts', {status: 'failed', failureMessages: ['Error: expect(x).toBe(y)']}),
        testCase('later', {status: 'pending'}),
      ]),
    ]),
    {rootDir: ROOT_DIR, suiteName: 'jest tests', ancestorSeparator: ' ', sourceOf: () => SOURCE},
  ),
);

interface Element {
  $: Record<string, string>;
  _?: string;
}
interface Case {
  $: Record<string, string>;
  failure?: Element[];
  error?: Element[];
  skipped?: unknown[];
}
let cases: Case[] = [];
let suite: {$: Record<string, string>} = {$: {}};

beforeAll(async () => {
  const parsed = await parseStringPromise(xml);
  suite = parsed.testsuites.testsuite[0];
  cases = parsed.testsuites.testsuite[0].testcase;
});

test('the report is valid against junit.xsd', () => {
  expect(junitSchemaErrors(xml)).toBeNull();
});

test('dorny (java-junit): failed cases are those with failure or error; message and type are on the first', () => {
  const failed = cases.filter(c => c.failure || c.error).map(c => c.$.name);
  expect(failed).toEqual(['leaks', 'crashes', 'asserts']);
  const first = (c: Case): Element => (c.failure ?? c.error)![0];
  expect(cases.filter(c => c.failure || c.error).map(c => first(c).$.type)).toEqual(['MemoryLeak', 'Crash', 'AssertionError']);
  expect(first(cases[1])._).toContain('by leak_malloc (/src/leak.c:9)');
  expect(cases.every(c => Number.isFinite(parseFloat(c.$.time)))).toBe(true);
});

test('mikepenz: at most one failure or error element per case, with a message, and file and line attributes', () => {
  for (const c of cases) {
    expect((c.failure?.length ?? 0) + (c.error?.length ?? 0)).toBeLessThanOrEqual(1);
    expect(c.$.file).toBe('tests/native.test.js');
  }
  expect(cases.map(c => c.$.line)).toEqual(['1', '2', '3', '4', '5']);
  expect(cases[2].error?.[0].$.message).toBe('./crash crashed with SIGSEGV; 600 bytes in 3 blocks leaked up to then (and 1 more problem)');
});

test("EnricoMi: the suite's counts agree with its cases' result elements", () => {
  const count = (pick: (c: Case) => unknown): string => String(cases.filter(pick).length);
  expect(suite.$).toMatchObject({tests: String(cases.length), failures: count(c => c.failure), errors: count(c => c.error), skipped: count(c => c.skipped)});
});
