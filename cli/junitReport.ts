// `pmm run --junit FILE`: the run as a JUnit report, so that a CI job without Jest gets what pmm's Jest
// reporter writes. The program is one test case, judged as the environment judges a test's run (any leak
// or mismatched release of it or its children a <failure> with the stacks, a crash, kill or timeout an
// <error>), and the report is built by the reporter's own code from that one result.
import type { AggregatedResult, TestCaseResult, TestResult } from '@jest/reporters';
import { summarize } from '../harness/leakReport';
import type { RunResult } from '../harness/types';
import { runFailures } from '../harness/verdict';
import { buildJunit } from '../reporters/buildJunit';
import { renderJunit } from '../reporters/renderJunit';

/** The JUnit XML of one run that took from startMs to endMs; its suite is the program's path relative to cwd. */
export function runJunit(result: RunResult, startMs: number, endMs: number, cwd: string): string {
  const failures = runFailures(result, {
    options: { leakThreshold: { bytes: 0, blocks: 0 }, followChildren: true },
    faultExpected: false,
  });
  const title = [result.program, ...result.args].join(' ');
  // Only the fields the report reads: a Jest result of one file with one test.
  const test = {
    ancestorTitles: [], title, fullName: title, duration: endMs - startMs, location: null,
    status: failures.length > 0 ? 'failed' : 'passed',
    failureMessages: failures.map((failure) => failure.stack),
    failureDetails: failures,
  } as unknown as TestCaseResult;
  const file = { testFilePath: result.program, testResults: [test], perfStats: { start: startMs, end: endMs } } as unknown as TestResult;
  const results = { testResults: [file], startTime: startMs } as unknown as AggregatedResult;
  // What the run and its children leaked in all: a clean run's case says 0 too, as a clean test's does.
  const leaked = summarize([result.summary, ...(result.children ?? []).map((child) => child.summary)]);
  return renderJunit(buildJunit(results, { rootDir: cwd, suiteName: 'pmm run', ancestorSeparator: ' › ', figuresOf: () => leaked }));
}
