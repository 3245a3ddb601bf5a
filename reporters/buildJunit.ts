// Pure: turns Jest's aggregated results into the JUnit report object. Test cases follow jest-junit's
// defaults: classname and name are both the describe blocks and the title joined by the separator; each
// test file is a <testsuite> named by its path relative to rootDir, after its project's displayName when it
// has one (Jest's projects may each run the same file). A test that failed with pmm's leak data
// gets a MemoryLeak failure with the leak's stacks and its totals as properties; a fault gets an <error>
// (see problems.ts). Each case has the file and, when it can be found, the line of its test.

import {relative, sep} from 'path';
import type {AggregatedResult, TestCaseResult, TestResult} from '@jest/reporters';
import type {LeakSummary} from '../harness/types';
import type {JunitDocument, JunitTestCase, JunitTestSuite} from './junitTypes';
import {caseOutcome, firstLine} from './problems';
import {testLine} from './testLine';
import {testSites, type TestSite} from './testSites';
import {xmlText} from './xmlText';

export interface BuildJunitOptions {
  rootDir: string;
  suiteName: string;
  ancestorSeparator: string;
  /** Reads a test file, to find each test's line when Jest did not give it; null when it cannot. */
  sourceOf?: (testFilePath: string) => string | null;
  /** What a test's runs leaked in all, as pmm's environment recorded it; null for a test it did not run. */
  /** occurrence: how many of the file's tests before this one have its titles. */
  figuresOf?: (result: TestResult, titles: readonly string[], occurrence: number) => LeakSummary | null;
  /** The displayName of the project that ran a file; by default the one Jest put in its result. */
  projectNameOf?: (result: TestResult) => string | undefined;
}

const SKIPPED_STATUSES: ReadonlySet<TestCaseResult['status']> = new Set(['pending', 'skipped', 'todo', 'disabled']);

export function buildJunit(results: AggregatedResult, options: BuildJunitOptions): JunitDocument {
  const suites = results.testResults.map(result => buildSuite(result, options, results.startTime));
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

/** runStart: when the whole run began, the time of a file that failed before it began (Jest then gives 0). */
function buildSuite(result: TestResult, options: BuildJunitOptions, runStart: number): JunitTestSuite {
  const file = relative(options.rootDir, result.testFilePath).split(sep).join('/');
  const project = options.projectNameOf ? options.projectNameOf(result) : result.displayName?.name;
  const source = options.sourceOf?.(result.testFilePath) ?? null;
  const sites = source === null ? null : testSites(source, result.testFilePath);
  // Jest gives a file's tests in the order the file defines them: a title met again is its next test.
  const seen = new Map<string, number>();
  const cases = result.testResults.map(test => {
    const key = JSON.stringify([...test.ancestorTitles, test.title]);
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    return buildCase(test, file, options, sites, result, occurrence);
  });
  // A file that could not run, or whose afterAll failed (Jest then gives an empty message and the stack),
  // gets a case of its own: without it, it would look green.
  const execError = result.testExecError
    ? result.testExecError.message || result.testExecError.stack
    : result.testResults.length === 0 ? result.failureMessage : null;
  if (execError != null && execError !== '') cases.push(suiteErrorCase(file, execError, options.figuresOf?.(result, [], 0) ?? null));
  const count = (predicate: (test: JunitTestCase) => boolean): string => String(cases.filter(predicate).length);
  return {
    $: {
      name: xmlText(project ? `${project} › ${file}` : file),
      tests: String(cases.length),
      failures: count(test => test.failure !== undefined),
      errors: count(test => test.error !== undefined),
      skipped: count(test => test.skipped !== undefined),
      time: seconds(result.perfStats.end - result.perfStats.start),
      timestamp: timestamp(result.perfStats.start > 0 ? result.perfStats.start : runStart),
    },
    testcase: cases,
  };
}

function buildCase(test: TestCaseResult, file: string, options: BuildJunitOptions, sites: readonly TestSite[] | null, result: TestResult, occurrence: number): JunitTestCase {
  const {ancestorSeparator} = options;
  const title = xmlText([...test.ancestorTitles, test.title].filter(part => part !== '').join(ancestorSeparator)) || file;
  const line = test.location?.line ?? (sites === null ? null : testLine(sites, test.ancestorTitles, test.title, occurrence));
  const testCase: JunitTestCase = {
    $: {classname: title, name: title, time: seconds(test.duration ?? 0), file: xmlText(file), ...(line !== null ? {line: String(line)} : {})},
  };
  const {properties, failure, error} = caseOutcome(test);
  // Every test pmm ran carries its figures, a clean one its zeros; a failure's own details come first.
  const figures = options.figuresOf?.(result, [...test.ancestorTitles, test.title], occurrence) ?? null;
  if (figures !== null && !properties.some(p => p.$.name === 'pmm.leaked.bytes')) {
    properties.unshift({$: {name: 'pmm.leaked.bytes', value: String(figures.bytes)}}, {$: {name: 'pmm.leaked.blocks', value: String(figures.blocks)}});
  }
  if (properties.length > 0) testCase.properties = {property: properties};
  if (SKIPPED_STATUSES.has(test.status)) testCase.skipped = {};
  if (failure) testCase.failure = failure;
  if (error) testCase.error = error;
  return testCase;
}

/** figures: what the file's own runs (its afterAll's) leaked, when they leaked. */
function suiteErrorCase(file: string, message: string, figures: LeakSummary | null): JunitTestCase {
  return {
    $: {classname: xmlText(file), name: xmlText(file), time: seconds(0), file: xmlText(file)},
    ...(figures !== null ? {properties: {property: [{$: {name: 'pmm.leaked.bytes', value: String(figures.bytes)}}, {$: {name: 'pmm.leaked.blocks', value: String(figures.blocks)}}]}} : {}),
    error: [{$: {message: xmlText(firstLine(message)), type: 'TestSuiteError'}, _: xmlText(message)}],
  };
}

function seconds(milliseconds: number): string {
  return Number.isFinite(milliseconds) && milliseconds > 0 ? (milliseconds / 1000).toFixed(3) : '0.000';
}

/** ISO 8601 in UTC without the zone letter, the form the Ant/Jenkins schema expects. */
function timestamp(milliseconds: number): string {
  const date = new Date(Number.isFinite(milliseconds) ? milliseconds : 0);
  return date.toISOString().slice(0, 19);
}
