// Test helper: hand-made Jest results, shaped as Jest hands them to reporters.

import type {AggregatedResult, TestCaseResult, TestResult} from '@jest/reporters';

export const ROOT_DIR = '/work/project';
export const START = Date.UTC(2025, 10, 26, 6, 57, 11, 250);

export function testCase(title: string, overrides: Partial<TestCaseResult> = {}): TestCaseResult {
  return {
    ancestorTitles: [],
    duration: 12,
    failureDetails: [],
    failureMessages: [],
    fullName: title,
    invocations: 1,
    location: null,
    numPassingAsserts: 1,
    retryReasons: [],
    status: 'passed',
    title,
    ...overrides,
  };
}

export function testFile(relativePath: string, cases: TestCaseResult[], overrides: Partial<TestResult> = {}): TestResult {
  const count = (status: TestCaseResult['status']): number => cases.filter(test => test.status === status).length;
  return {
    leaks: false,
    numFailingTests: count('failed'),
    numPassingTests: count('passed'),
    numPendingTests: count('pending') + count('skipped'),
    numTodoTests: count('todo'),
    openHandles: [],
    perfStats: {end: START + 1500, runtime: 1500, slow: false, start: START, loadTestEnvironmentEnd: START, loadTestEnvironmentStart: START, setupAfterEnvEnd: START, setupAfterEnvStart: START, setupFilesEnd: START, setupFilesStart: START},
    skipped: false,
    snapshot: {added: 0, fileDeleted: false, matched: 0, unchecked: 0, uncheckedKeys: [], unmatched: 0, updated: 0},
    testFilePath: `${ROOT_DIR}/${relativePath}`,
    testResults: cases,
    ...overrides,
  } as TestResult;
}

export function aggregated(files: TestResult[]): AggregatedResult {
  const sum = (pick: (file: TestResult) => number): number => files.reduce((total, file) => total + pick(file), 0);
  return {
    numFailedTestSuites: files.filter(file => file.numFailingTests > 0 || file.testExecError !== undefined).length,
    numFailedTests: sum(file => file.numFailingTests),
    numPassedTestSuites: files.filter(file => file.numFailingTests === 0).length,
    numPassedTests: sum(file => file.numPassingTests),
    numPendingTestSuites: 0,
    numPendingTests: sum(file => file.numPendingTests),
    numRuntimeErrorTestSuites: files.filter(file => file.testExecError !== undefined).length,
    numTodoTests: sum(file => file.numTodoTests),
    numTotalTestSuites: files.length,
    numTotalTests: sum(file => file.testResults.length),
    openHandles: [],
    snapshot: {} as AggregatedResult['snapshot'],
    startTime: START - 250,
    success: files.every(file => file.numFailingTests === 0),
    testResults: files,
    wasInterrupted: false,
  };
}
