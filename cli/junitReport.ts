// `pmm run --junit FILE`: the run as a JUnit report, so that a CI job without Jest gets what pmm's Jest
// reporter writes. The program is one test case, judged as the environment judges a test's run (any leak
// or mismatched release of it or its children a <failure> with the stacks, a crash, kill or timeout an
// <error>), and the report is built by the reporter's own code from that one result. Without Jest no
// assertion looks at the program's status, so a status other than 0 is a failure of its own.
import type { AggregatedResult, TestCaseResult, TestResult } from '@jest/reporters';
import { summarize } from '../harness/leakReport';
import { stderrTail } from '../harness/stderrTail';
import type { ExitStatusFailureDetail, RunResult } from '../harness/types';
import { runFailures } from '../harness/verdict';
import { buildJunit } from '../reporters/buildJunit';
import { renderJunit } from '../reporters/renderJunit';

/** The JUnit XML of one run that took from startMs to endMs; its suite is the program's path relative to cwd. */
export function runJunit(result: RunResult, startMs: number, endMs: number, cwd: string): string {
  const failures = [
    ...runFailures(result, {
      options: { leakThreshold: { bytes: 0, blocks: 0 }, followChildren: true },
      faultExpected: false,
    }),
    ...(result.exitCode !== null && result.exitCode !== 0 ? [exitStatusFailure(result, result.exitCode)] : []),
  ];
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

/**
 * A program that exited with status: the test failed as its CI job does (pmm passes the status on), whatever
 * --error-exitcode says, which sets pmm's status for what pmm found. The end of its stderr when pmm has it
 * (from the VM; with --host the program wrote to pmm's stderr itself).
 */
export function exitStatusFailure(result: Pick<RunResult, 'program' | 'stderr'>, status: number): ExitStatusFailureDetail {
  const message = `${result.program} exited with status ${status}`;
  const tail = stderrTail(result.stderr, 10);
  return {
    name: 'ExitStatus',
    message,
    stack: [message, ...(tail.length > 0 ? ['its stderr ended with:', ...tail] : [])].join('\n'),
    pmmExit: { program: result.program, status },
  };
}
