// What the JUnit report says from the moment a Jest run starts until its own report replaces it: that the
// run has no result. A run ended first (Ctrl-C, a cancelled CI job, a kill) left the previous run's report
// there, all green for all a CI job could tell.

import {join} from 'path';
import type {AggregatedResult, TestResult} from '@jest/reporters';

export const UNFINISHED_MESSAGE =
  'the Jest run has no result: it was ended before it completed (Ctrl-C, a cancelled job, a kill), and this report was written when it started';

/** The results of a run with none yet: one file-level error, which the report shows as a TestSuiteError case. */
export function unfinishedRun(rootDir: string, startMs: number): AggregatedResult {
  const file = {
    testFilePath: join(rootDir, 'jest run'),
    testResults: [],
    testExecError: {message: UNFINISHED_MESSAGE, stack: ''},
    perfStats: {start: startMs, end: startMs},
  } as unknown as TestResult;
  return {testResults: [file], startTime: startMs} as unknown as AggregatedResult;
}
