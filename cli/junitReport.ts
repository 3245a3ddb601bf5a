// `pmm run --junit FILE`: the run as a JUnit report, so that a CI job without Jest gets what pmm's Jest
// reporter writes. The program is one test case, judged as the environment judges a test's run (any leak
// or mismatched release of it or its children a <failure> with the stacks, a crash, kill or timeout an
// <error>), and the report is built by the reporter's own code from that one result. Without Jest no
// assertion looks at the program's status, so a status other than 0 is a failure of its own. A run that
// gives no result is a case whose <error> says why, as a test whose pmm.run threw.
import type { AggregatedResult, TestCaseResult, TestResult } from '@jest/reporters';
import * as path from 'path';
import { summarize } from '../harness/leakReport';
import { stderrEnding } from '../harness/stderrTail';
import type { ExitStatusFailureDetail, LeakSummary, RunResult } from '../harness/types';
import { runFailures } from '../harness/verdict';
import { buildJunit } from '../reporters/buildJunit';
import { renderJunit } from '../reporters/renderJunit';
import { errorText } from './errorText';

/** The JUnit XML of one run that took from startMs to endMs; its suite is the program's path relative to cwd. */
export function runJunit(result: RunResult, startMs: number, endMs: number, cwd: string): string {
  const failures = [
    ...runFailures(result, {
      options: { leakThreshold: { bytes: 0, blocks: 0 }, followChildren: true },
      faultExpected: false,
    }),
    ...(result.exitCode !== null && result.exitCode !== 0 ? [exitStatusFailure(result, result.exitCode)] : []),
  ];
  // What the run and its children leaked in all: a clean run's case says 0 too, as a clean test's does.
  const leaked = summarize([result.summary, ...(result.children ?? []).map((child) => child.summary)]);
  const run = { program: result.program, args: result.args, startMs, endMs, cwd };
  return oneCaseJunit(run, failures.map((failure) => failure.stack), failures, leaked);
}

/** A run that gave no result: what pmm knows of it, and when pmm started it. */
export interface RunWithoutResult {
  program: string;
  args: readonly string[];
  startMs: number;
  cwd: string;
}

/**
 * The JUnit XML of a run that gave no result (pmm refused it, a VM failed, pmm was ended), read by the
 * reporter's rules for a test whose run threw: its one case's <error> is err as pmm says it, typed by its
 * fault (VmFailure, VmBootFailure, KernelPanic) when it is a VM's, else PmmError.
 */
export function errorJunit(run: RunWithoutResult, err: unknown, endMs: number): string {
  return oneCaseJunit({ ...run, endMs }, [errorText(err)], [err], null);
}

/** The report of one test case, the program, with Jest's failure messages and details of it. */
function oneCaseJunit(
  run: RunWithoutResult & { endMs: number },
  failureMessages: string[],
  failureDetails: unknown[],
  figures: LeakSummary | null,
): string {
  const { startMs, endMs } = run;
  const title = [run.program, ...run.args].join(' ');
  // Only the fields the report reads: a Jest result of one file with one test.
  const test = {
    ancestorTitles: [], title, fullName: title, duration: endMs - startMs, location: null,
    status: failureMessages.length > 0 ? 'failed' : 'passed',
    failureMessages,
    failureDetails,
  } as unknown as TestCaseResult;
  // A path from cwd, as the suite's name is one relative to it, whatever cwd the process has.
  const file = { testFilePath: path.resolve(run.cwd, run.program), testResults: [test], perfStats: { start: startMs, end: endMs } } as unknown as TestResult;
  const results = { testResults: [file], startTime: startMs } as unknown as AggregatedResult;
  return renderJunit(buildJunit(results, { rootDir: run.cwd, suiteName: 'pmm run', ancestorSeparator: ' › ', figuresOf: () => figures }));
}

/**
 * A program that exited with status: the test failed as its CI job does (pmm passes the status on), whatever
 * --error-exitcode says, which sets pmm's status for what pmm found. The end of its stderr when pmm has it
 * (from the VM; with --host the program wrote to pmm's stderr itself).
 */
export function exitStatusFailure(result: Pick<RunResult, 'program' | 'stderr'>, status: number): ExitStatusFailureDetail {
  const message = `${result.program} exited with status ${status}`;
  return {
    name: 'ExitStatus',
    message,
    stack: [message, ...stderrEnding(result.stderr)].join('\n'),
    pmmExit: { program: result.program, status },
  };
}
