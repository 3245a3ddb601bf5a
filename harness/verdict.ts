// What one run means for its test, pure: the failure details it adds (leaks over the threshold and
// mismatched releases, from the program and, when followed, its children; a fault; steady growth). The
// environment attaches them.
import { forkedChildName } from './childName';
import { childOutOfMemoryNote } from './faults';
import { faultFailureDetail, faultOfRun } from './faults';
import { leakFailureDetail, summarize } from './leakReport';
import { mismatchFailureDetail } from './mismatchReport';
import type { LeakThreshold, PmmOptions } from './options';
import { uncountedNote } from './releaseNotes';
import type { ChildResult, FaultFailureDetail, GrowthFailureDetail, GrowthVerdict, LeakFailureDetail, LeakSummary, MismatchFailureDetail, RunResult } from './types';

export type RunFailure = LeakFailureDetail | FaultFailureDetail | GrowthFailureDetail | MismatchFailureDetail;

export interface RunContext {
  options: Pick<PmmOptions, 'leakThreshold' | 'followChildren'>;
  /** The run was started with allowFault: a crash, a kill or a timeout is expected. */
  faultExpected: boolean;
  /**
   * Whether the test asserted this process's own leaks (toLeak) or mismatched releases
   * (toHaveMismatchedFrees): the run's, for its program, or `result.children[i]`, for a child. Those are
   * expected; what no matcher asserted is judged. Absent: none was.
   */
  asserted?: (process: RunResult | ChildResult, what: 'leaks' | 'mismatches') => boolean;
}

type Source = Pick<RunResult, 'program' | 'leaks' | 'summary' | 'mismatches' | 'mismatchedFrees' | 'growth' | 'droppedRecords'>;

/** The processes a run's verdict counts: the program, then each followed child, named as its reports say. */
function sources(run: RunResult, followChildren: boolean): Source[] {
  return processes(run, followChildren).map(({ source }) => source);
}

/**
 * A child the guest's out-of-memory killer may have ended: its leaks are what it held when it died, which
 * its name in a failure should say ("", for any other child).
 */
function childKilledNote(run: RunResult, child: ChildResult): string {
  const oom = childOutOfMemoryNote(run, child);
  return oom === null ? '' : `, killed by SIGKILL: ${oom}`;
}

/** The same, each with the result it comes from (what a matcher was given). */
function processes(run: RunResult, followChildren: boolean): Array<{ process: RunResult | ChildResult; source: Source }> {
  const children = followChildren ? (run.children ?? []) : [];
  return [
    { process: run, source: run },
    ...children.map((child) => ({ process: child, source: { ...child, program: `${run.program}: ${forkedChildName(child)}${childKilledNote(run, child)}` } })),
  ];
}

/** Over either figure the threshold has; one it leaves out does not limit. */
export function overThreshold(total: LeakSummary, threshold: LeakThreshold): boolean {
  return total.bytes > (threshold.bytes ?? Infinity) || total.blocks > (threshold.blocks ?? Infinity);
}

/**
 * The most leaking processes of one run that get a failure each; the others share one, with what they
 * add up to. A test that runs a script of a few hundred commands, each a shell that never frees, would
 * otherwise print a failure with its stacks for every one of them.
 */
export const LEAKING_PROCESSES_LISTED = 20;

function leakFailures(run: RunResult, leaking: Source[]): LeakFailureDetail[] {
  const listed = leaking.slice(0, LEAKING_PROCESSES_LISTED).map(leakFailureDetail);
  const rest = leaking.slice(LEAKING_PROCESSES_LISTED);
  if (rest.length === 0) return listed;
  const program = `${rest.length} more forked processes of ${run.program} (the run's children list has them)`;
  return [...listed, leakFailureDetail({ program, leaks: [], summary: summarize(rest.map((s) => s.summary)) })];
}

export function runFailures(run: RunResult, context: RunContext): RunFailure[] {
  const failures: RunFailure[] = [];
  // What no matcher asserted: a matcher on the run asserts the program's own figures, one on a child its.
  const judged = (what: 'leaks' | 'mismatches'): Source[] =>
    processes(run, context.options.followChildren).filter(({ process }) => !context.asserted?.(process, what)).map(({ source }) => source);
  const fault = faultOfRun(run);
  // A program whose crash, kill or timeout the test expects held its blocks when it died: pmm cannot tell
  // one still in use from one lost (valgrind's "still reachable" are no error either), and a program that
  // printed before it crashed holds the C library's stdout buffer. They are in the result, for toLeak.
  const diedAsExpected = (source: Source): boolean => context.faultExpected && fault !== null && source === run;
  const leaking = judged('leaks').filter((source) => source.summary.blocks > 0 && !diedAsExpected(source));
  const leaksFail = overThreshold(summarize(leaking.map((s) => s.summary)), context.options.leakThreshold);
  // The program's leaks once: in their own failure when they fail the test, else in the fault's.
  if (fault !== null && !context.faultExpected) failures.push(faultFailureDetail(run, fault, leaksFail && leaking[0] === run));
  if (leaksFail) failures.push(...leakFailures(run, leaking));
  // Figures that are a lower bound prove no absence of leaks: a run that would pass on them fails instead.
  else failures.push(...uncountedFailures(judged('leaks').filter((source) => (source.droppedRecords ?? 0) > 0 && !diedAsExpected(source))));
  // No threshold: a block released with the wrong call is undefined behaviour, however few there are.
  failures.push(...judged('mismatches').filter((source) => source.mismatchedFrees > 0).map(mismatchFailureDetail));
  failures.push(...growthFailures(run, context.options.followChildren));
  return failures;
}

/**
 * The processes some of whose allocations pmm could not keep (past its caps: droppedRecords), in a run whose
 * kept figures would pass: what they left allocated is not known, so the run does not pass as clean. A
 * MemoryLeak failure with the figures kept, which are a lower bound.
 */
function uncountedFailures(sources: Source[]): LeakFailureDetail[] {
  return sources.slice(0, LEAKING_PROCESSES_LISTED).map((source) => {
    const failure = leakFailureDetail(source);
    const message = `${source.program}: whether it leaked is not known: ${uncountedNote(source.droppedRecords ?? 0)}`;
    return { ...failure, message, stack: `${message}\n${failure.stack}` };
  });
}

/**
 * Growth mode's failures, when it was asked for: a run it could not judge must not pass as flat. A child
 * too short-lived to judge (a command a script ran) is no such doubt: the program's own samples say the
 * run was long enough.
 */
export function growthFailures(run: RunResult, followChildren: boolean): GrowthFailureDetail[] {
  const [program, ...children] = sources(run, followChildren);
  return [
    ...(program.growth !== undefined && program.growth.growing !== false ? [growthFailureDetail(program.program, program.growth)] : []),
    ...childGrowthFailures(run, children.filter((child) => child.growth?.growing === true)),
  ];
}

/** As leakFailures: a pre-forking server's hundred workers that all grow give 21 failures, not 100. */
function childGrowthFailures(run: RunResult, growing: Source[]): GrowthFailureDetail[] {
  const listed = growing.slice(0, LEAKING_PROCESSES_LISTED).map((child) => growthFailureDetail(child.program, child.growth!));
  const rest = growing.slice(LEAKING_PROCESSES_LISTED);
  if (rest.length === 0) return listed;
  const program = `${rest.length} more forked processes of ${run.program}`;
  const message = `${program} grew steadily while they ran (the run's children list has them)`;
  const samples = rest.reduce((sum, child) => sum + child.growth!.samples, 0);
  return [...listed, { name: 'MemoryGrowth', message, stack: message, pmmGrowth: { growing: true, samples, series: [], program } }];
}

/** How few samples a run gave: those judged after the warm-up against minSamples, where the verdict says them. */
function tooFew({ samples, judged, minSamples }: GrowthVerdict): string {
  const all = `${samples} ${samples === 1 ? 'sample' : 'samples'}`;
  if (judged === undefined || minSamples === undefined) return `${all} ${samples === 1 ? 'is' : 'are'} too few`;
  return `${all}, ${judged} of them after the warm-up, where ${minSamples} are judged at the fewest (minSamples)`;
}

/** Growth mode's failure: the series that grew, or the reason it could not judge (too few samples). */
function growthFailureDetail(program: string, growth: GrowthVerdict): GrowthFailureDetail {
  const grown = growth.series.filter((s) => s.growing);
  const message =
    growth.growing === null
      ? `growth mode could not judge ${program}: ${tooFew(growth)} (run it longer; or, if its growth.intervalMs was raised, sample it more often: 100 ms, the default, is the most often)`
      : `${program} grew steadily while it ran: ${grown.map((s) => `${s.series} +${s.growthBytes} bytes`).join(', ')}`;
  return {
    name: 'MemoryGrowth',
    message,
    stack: [message, ...growth.series.map((s) => `  ${s.reason}`)].join('\n'),
    pmmGrowth: { ...growth, program },
  };
}

