// Pure: turns Jest's aggregated results into the JUnit report object. Test cases follow jest-junit's
// defaults: classname and name are both the describe blocks and the title joined by the separator; each
// test file is a <testsuite> named by its path relative to rootDir. A test that failed with pmm's leak data
// gets a MemoryLeak failure with the leak's stacks and its totals as properties.

import {relative, sep} from 'path';
import type {AggregatedResult, TestCaseResult, TestResult} from '@jest/reporters';
import {formatAmount, formatLeakMessage} from '../harness/leakReport';
import type {LeakFailureDetail} from '../harness/types';
import {isLeakFailureDetail} from './isLeakFailureDetail';
import type {JunitDocument, JunitProblem, JunitTestCase, JunitTestSuite} from './junitTypes';
import {stripAnsi, xmlText} from './xmlText';

export interface BuildJunitOptions {
  rootDir: string;
  suiteName: string;
  ancestorSeparator: string;
}

const SKIPPED_STATUSES: ReadonlySet<TestCaseResult['status']> = new Set(['pending', 'skipped', 'todo', 'disabled']);

export function buildJunit(results: AggregatedResult, options: BuildJunitOptions): JunitDocument {
  const suites = results.testResults.map(result => buildSuite(result, options));
  const total = (key: 'tests' | 'failures' | 'errors'): string => String(suites.reduce((sum, suite) => sum + Number(suite.$[key]), 0));
  const ends = results.testResults.map(result => result.perfStats.end);
  const elapsedMs = ends.length === 0 ? 0 : Math.max(...ends) - results.startTime;
  return {
    testsuites: {
      $: {name: xmlText(options.suiteName), tests: total('tests'), failures: total('failures'), errors: total('errors'), time: seconds(elapsedMs)},
      testsuite: suites,
    },
  };
}

function buildSuite(result: TestResult, options: BuildJunitOptions): JunitTestSuite {
  const file = relative(options.rootDir, result.testFilePath).split(sep).join('/');
  const cases = result.testResults.map(test => buildCase(test, file, options.ancestorSeparator));
  // A file that could not run has no test results; without a case of its own it would look green.
  const execError = result.testExecError?.message ?? (result.testResults.length === 0 ? result.failureMessage : null);
  if (execError != null && execError !== '') cases.push(suiteErrorCase(file, execError));
  const count = (predicate: (test: JunitTestCase) => boolean): string => String(cases.filter(predicate).length);
  return {
    $: {
      name: xmlText(file),
      tests: String(cases.length),
      failures: count(test => test.failure !== undefined),
      errors: count(test => test.error !== undefined),
      skipped: count(test => test.skipped !== undefined),
      time: seconds(result.perfStats.end - result.perfStats.start),
      timestamp: timestamp(result.perfStats.start),
    },
    testcase: cases,
  };
}

function buildCase(test: TestCaseResult, file: string, separator: string): JunitTestCase {
  const title = xmlText([...test.ancestorTitles, test.title].filter(part => part !== '').join(separator)) || file;
  const testCase: JunitTestCase = {$: {classname: title, name: title, time: seconds(test.duration ?? 0), file: xmlText(file)}};
  if (SKIPPED_STATUSES.has(test.status)) testCase.skipped = {};
  if (test.status !== 'failed') return testCase;
  const leaks = test.failureDetails.filter(isLeakFailureDetail);
  if (leaks.length > 0) {
    const bytes = leaks.reduce((sum, leak) => sum + leak.pmmLeak.summary.bytes, 0);
    const blocks = leaks.reduce((sum, leak) => sum + leak.pmmLeak.summary.blocks, 0);
    testCase.properties = {
      property: [
        {$: {name: 'pmm.leaked.bytes', value: String(bytes)}},
        {$: {name: 'pmm.leaked.blocks', value: String(blocks)}},
      ],
    };
  }
  testCase.failure = failures(test);
  return testCase;
}

/** failureMessages[i] and failureDetails[i] describe the same error; pmm's leak data replaces the text. */
function failures(test: TestCaseResult): JunitProblem[] {
  const count = Math.max(test.failureMessages.length, test.failureDetails.length, 1);
  return Array.from({length: count}, (_, index) => {
    const detail: unknown = test.failureDetails[index];
    if (isLeakFailureDetail(detail)) return leakFailure(detail);
    const text = test.failureMessages[index] ?? messageOf(detail) ?? 'failed';
    return {$: {message: xmlText(firstLine(text)), type: 'AssertionError'}, _: xmlText(text)};
  });
}

function leakFailure({pmmLeak: {program, summary, leaks}}: LeakFailureDetail): JunitProblem {
  return {
    $: {message: xmlText(`${formatAmount(summary)} leaked`), type: 'MemoryLeak'},
    _: xmlText(formatLeakMessage(leaks, summary, program)),
  };
}

function suiteErrorCase(file: string, message: string): JunitTestCase {
  return {
    $: {classname: xmlText(file), name: xmlText(file), time: seconds(0), file: xmlText(file)},
    error: [{$: {message: xmlText(firstLine(message)), type: 'TestSuiteError'}, _: xmlText(message)}],
  };
}

function messageOf(detail: unknown): string | null {
  if (typeof detail !== 'object' || detail === null) return null;
  const {stack, message} = detail as {stack?: unknown; message?: unknown};
  if (typeof stack === 'string' && stack !== '') return stack;
  return typeof message === 'string' && message !== '' ? message : null;
}

/** The first line with text in it, for the message attribute; the element's content keeps the rest. */
function firstLine(text: string): string {
  return stripAnsi(text).split('\n').map(line => line.trim()).find(line => line !== '') ?? '';
}

function seconds(milliseconds: number): string {
  return Number.isFinite(milliseconds) && milliseconds > 0 ? (milliseconds / 1000).toFixed(3) : '0.000';
}

/** ISO 8601 in UTC without the zone letter, the form the Ant/Jenkins schema expects. */
function timestamp(milliseconds: number): string {
  const date = new Date(Number.isFinite(milliseconds) ? milliseconds : 0);
  return date.toISOString().slice(0, 19);
}
