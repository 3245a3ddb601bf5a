// What `pmm run` prints on stderr after the program's own output (without --json): each unmatched allocation
// in the article's log format with its stack, the mismatched releases as valgrind prints them (once for each
// context, with how many times), the suppressions asked for, then a summary line for the program and for
// each forked child worth a word, then notes. The leaks and mismatched releases of its forked children come
// after its own, grouped by stack as a Jest failure shows them (a script's or a make's children are often
// what the user is looking for).
import { forkedChildName } from '../harness/childName';
import { childOutOfMemoryNote, outOfMemoryNote } from '../harness/faults';
import { unhookedChildMessage } from '../harness/hookReach';
import { formatAmount, formatLeakMessage, formatSeedLog, summarize } from '../harness/leakReport';
import { countMismatches, formatMismatchMessage, formatValgrindMismatch, mismatchKey, rawMismatchKey } from '../harness/mismatchReport';
import { releaseNotes } from '../harness/releaseNotes';
import { sharedSymbolizer, type RawRun } from '../harness/runProgram';
import type { ChildResult, Leak, LeakSummary, RawRecord, RunResult } from '../harness/types';
import { growthFailures, LEAKING_PROCESSES_LISTED } from '../harness/verdict';

/** --growth's verdict: what grew steadily, with the figures it rests on, or (but to quiet) that nothing did. */
function growthLines(result: RunResult, quiet: boolean): string[] {
  if (result.growth === undefined) return [];
  const failures = growthFailures(result, true);
  if (failures.length === 0) return quiet ? [] : [`pmm: growth mode: no steady growth over ${result.growth.samples} samples`];
  return failures.flatMap((failure) => failure.stack.split('\n').map((line) => `pmm: ${line}`));
}

/** How the program ended, in a line. */
function ending(result: RunResult): string {
  if (result.timedOut) return 'pmm: the program timed out and was killed';
  const oom = outOfMemoryNote(result);
  if (result.signal) return `pmm: the program was killed by ${result.signal}${oom ? `: ${oom}` : ''}`;
  return `pmm: the program exited with status ${result.exitCode}`;
}

/**
 * The forked children whose leaks and mismatched releases are printed with their stacks, as the Jest run
 * fails a test for them: those of the first LEAKING_PROCESSES_LISTED that leaked or released wrongly.
 */
function childrenListed(result: RunResult): Set<ChildResult> {
  const bad = (result.children ?? []).filter((c) => c.summary.blocks > 0 || c.mismatchedFrees > 0);
  return new Set(bad.slice(0, LEAKING_PROCESSES_LISTED));
}

/** Each listed child's leaks, grouped by stack, then its mismatched releases: the lines of a Jest failure. */
function childReports(listed: Set<ChildResult>): string[] {
  return [...listed].flatMap((c) => [
    ...(c.summary.blocks > 0 ? [formatLeakMessage(c.leaks, c.summary, forkedChildName(c))] : []),
    ...(c.mismatchedFrees > 0 ? [formatMismatchMessage(c.mismatches, c.mismatchedFrees, forkedChildName(c))] : []),
  ]);
}

/**
 * The most forked children that get lines of their own. A shell script that runs grep a thousand times has a
 * thousand children exiting 1: past this many, one line counts the rest.
 */
export const CHILDREN_WITH_LINES = 50;

/**
 * The lines of the program's forked children that ended badly, leaked, released wrongly or could not be
 * hooked: those of the CHILDREN_WITH_LINES that matter most (a leak or a wrong release, then a crash or an
 * unrecorded image, then a failing status, then notes; each in the order forked), then a line adding up
 * the others.
 */
function childLines(result: RunResult, listed: Set<ChildResult>): string[] {
  const noted = (result.children ?? [])
    .map((c) => ({ child: c, lines: linesOfChild(result, c, listed) }))
    .filter((n) => n.lines.length > 0)
    .sort((a, b) => childWeight(a.child) - childWeight(b.child));
  const rest = noted.slice(CHILDREN_WITH_LINES).map((n) => n.child);
  return [...noted.slice(0, CHILDREN_WITH_LINES).flatMap((n) => n.lines), ...(rest.length > 0 ? [otherChildrenLine(rest)] : [])];
}

/** 0 for what fails a run (a leak, a wrong release), then 1 for a crash or unrecorded image, 2 a status, 3 notes. */
function childWeight(c: ChildResult): number {
  if (c.summary.blocks > 0 || c.mismatchedFrees > 0) return 0;
  if ((c.signal !== null && c.endedByRun !== true) || c.unhooked) return 1;
  if (c.exitCode || c.endedByRun) return 2;
  return 3;
}

/** One line for the children past CHILDREN_WITH_LINES: how many, and what each kind of trouble adds up to. */
function otherChildrenLine(rest: ChildResult[]): string {
  const count = (pick: (c: ChildResult) => boolean): number => rest.filter(pick).length;
  const leaking = rest.filter((c) => c.summary.blocks > 0);
  const mismatched = rest.reduce((n, c) => n + c.mismatchedFrees, 0);
  const parts = ([
    [count((c) => c.endedByRun === true), 'still running at the end, ended by pmm'],
    [count((c) => c.signal !== null && c.endedByRun !== true), 'killed by a signal'],
    [count((c) => Boolean(c.exitCode)), 'exited with a status other than 0'],
    [count((c) => c.unhooked), 'not hooked'],
  ] as const).filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  if (leaking.length > 0) parts.push(`${leaking.length} leaked ${formatAmount(summarize(leaking.map((c) => c.summary)))}`);
  if (mismatched > 0) parts.push(`${mismatched} mismatched free/delete in ${count((c) => c.mismatchedFrees > 0)}`);
  const notesOnly = count((c) => childWeight(c) === 3);
  if (notesOnly > 0) parts.push(`${notesOnly} with notes only (suppressed leaks, records not kept, recording started off)`);
  const others = `${rest.length} more forked ${rest.length === 1 ? 'child' : 'children'}`;
  return `pmm: and ${others} with something to say (--json lists them)${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

/** A child's lines: how it ended badly, what it leaked or released wrongly, and notes; none when all is well. */
function linesOfChild(result: RunResult, c: ChildResult, listed: Set<ChildResult>): string[] {
  const name = `pmm: ${forkedChildName(c)}`;
  const where = listed.has(c) ? '' : ' (--json lists them)';
  const oom = childOutOfMemoryNote(result, c);
  return [
    ...(c.endedByRun ? [result.timedOut
      ? `${name} was still running at the timeout: pmm ended it (SIGKILL) with the program`
      : `${name} was still running when the program ended: pmm ended it (SIGKILL), as it ends whatever a run leaves running`] : []),
    ...(c.signal && !c.endedByRun ? [`${name} was killed by ${c.signal}${oom === null ? '' : `: ${oom}`}`] : []),
    ...(c.exitCode ? [`${name} exited with status ${c.exitCode}`] : []),
    ...(c.unhooked ? [unhookedChildMessage(result.program, c)] : []),
    ...(c.summary.blocks > 0 ? [`${name}: ${formatAmount(c.summary)} leaked${where}`] : []),
    ...(c.mismatchedFrees > 0 ? [`${name}: ${c.mismatchedFrees} mismatched free/delete${where}`] : []),
    ...(c.suppressed && c.suppressed.summary.blocks > 0 ? [`${name}: suppressed: ${formatAmount(c.suppressed.summary)}`] : []),
    ...releaseNotes(c, true).map((note) => `${name}: ${note}`),
  ];
}

/**
 * The most unmatched allocations listed one by one in the article's log format. A leak in a loop leaves
 * thousands of blocks from one stack: past this many, the leaks follow by stack instead, as a Jest failure
 * shows them.
 */
export const SEED_LOG_LISTED = 100;

/** The program's unmatched allocations that no suppression matched (suppressions match whole stacks). */
function unsuppressedRecords(raw: RawRun, result: RunResult): RawRecord[] {
  // A leak's stack by its recorded addresses: an inlined function's frame shares the next frame's.
  const addresses = (leak: Leak): string => leak.frames.filter((frame) => !frame.inlined).map((frame) => frame.address).join(' ');
  const gone = new Set((result.suppressed?.leaks ?? []).map(addresses));
  return gone.size === 0 ? raw.records : raw.records.filter((record) => !gone.has(record.frames.join(' ')));
}

/**
 * Each of the program's mismatch groups (those no suppression matched) as valgrind reports an error: once
 * for its context, at the address of the first block released so, with how many times it happened.
 */
function mismatchLines(raw: RawRun, result: RunResult): string[] {
  const firstAddress = new Map<string, string>();
  for (const m of raw.mismatches) {
    const key = rawMismatchKey(m);
    if (!firstAddress.has(key)) firstAddress.set(key, m.ptr);
  }
  return result.mismatches.map((m) => formatValgrindMismatch(m, firstAddress.get(mismatchKey(m)) ?? '??'));
}

/** The article's log lines of the first SEED_LOG_LISTED unmatched allocations, then, if there are more, all by stack. */
async function seedLog(raw: RawRun, result: RunResult): Promise<string[]> {
  const records = unsuppressedRecords(raw, result);
  const listed = records.slice(0, SEED_LOG_LISTED);
  // The symbolizer answers these from its cache: the result's groups were symbolized from the same addresses.
  const frames = listed.length > 0 ? await sharedSymbolizer().symbolizeRecords(raw.maps, listed) : [];
  const lines = listed.map((record, i) => formatSeedLog(record, frames[i]));
  if (records.length === listed.length) return lines;
  return [
    ...lines,
    `pmm: the first ${listed.length} of ${records.length} unmatched allocations are listed above; all of them by stack:`,
    formatLeakMessage(result.leaks, result.summary, result.program),
  ];
}

/**
 * The program's own leaks in a line. A forked child that leaked gets its line further down: "every
 * allocation was freed" would then be untrue of the run.
 */
function ownVerdict(result: RunResult, suppressedSummary: LeakSummary | null): string {
  // Killed at its time limit before the hook started (--timeout 0.001): no record says nothing was leaked.
  if (result.timedOutBeforeHook) return 'pmm: nothing was recorded: the time ran out before the hook started';
  if (result.signalledBeforeHook) return `pmm: nothing was recorded: ${result.signal} ended it before the hook started`;
  const stacks = result.leaks.length;
  if (result.summary.blocks > 0) return `pmm: ${formatAmount(result.summary)} leaked, from ${stacks} ${stacks === 1 ? 'stack' : 'stacks'}`;
  // Past pmm's caps its figures are a lower bound (the note after says how many were not kept).
  if ((result.droppedRecords ?? 0) > 0) return 'pmm: no leaks among the allocations pmm kept, but not all were kept: whether it leaked is not known';
  const childLeaked = (result.children ?? []).some((c) => c.summary.blocks > 0);
  const none = childLeaked ? 'pmm: no leaks in the program itself' : 'pmm: no leaks';
  if (suppressedSummary) return `${none} but suppressed ones`;
  if (childLeaked) return `${none}, but in its forked children`;
  // Recording started off: what was not recorded was not seen freed either.
  if (result.recordingOffAtStart) return `${none} among the allocations recorded (recording started off: PMM_HOOKS_ACTIVE=0)`;
  // Ended before it could exit (a crash, a kill, its time limit): only what it held then is known.
  const ended = result.timedOut ? 'it timed out' : result.signal !== null ? `${result.signal} ended it` : null;
  return ended !== null ? `${none} up to then (${ended}): every allocation it had made was freed` : `${none}: every allocation was freed`;
}

/**
 * Whether the run's program ended as a clean one does, and left nothing of its own nor in a child: the lines
 * saying so are what --quiet leaves out (valgrind's -q prints only errors).
 */
function allWell(result: RunResult): boolean {
  const children = result.children ?? [];
  return !result.timedOut && result.signal === null && result.exitCode === 0 && result.summary.blocks === 0 &&
    children.every((c) => c.summary.blocks === 0) && [result, ...children].every((p) => (p.droppedRecords ?? 0) === 0);
}

/**
 * The report's text, ending in a newline; suppressions and notes are lines made by the caller. quiet: without
 * the lines that only say all is well (a status 0, no leaks, no growth, what suppressions took), as valgrind's -q.
 */
export async function textReport(raw: RawRun, result: RunResult, suppressions: string[], notes: string[], quiet = false): Promise<string> {
  const logLines = await seedLog(raw, result);
  const suppressedSummary = result.suppressed && result.suppressed.summary.blocks > 0 ? result.suppressed.summary : null;
  const verdict = ownVerdict(result, suppressedSummary);
  const n = result.mismatchedFrees;
  // The blocks listed above, a group for each context: fewer than n when pmm.ko kept only its first ones.
  const listed = countMismatches(result.mismatches);
  const mismatchVerdict = n === 0
    ? []
    : [`pmm: ${n} ${n === 1 ? 'block' : 'blocks'} released by a mismatched free/delete${n > listed ? ` (the first ${listed} listed)` : ''}`];
  const suppressedFrees = result.suppressed?.mismatchedFrees ?? 0;
  const suppressed = [
    ...(suppressedSummary ? [`pmm: suppressed: ${formatAmount(suppressedSummary)}`] : []),
    ...(suppressedFrees > 0 ? [`pmm: suppressed: ${suppressedFrees} mismatched ${suppressedFrees === 1 ? 'release' : 'releases'}`] : []),
  ];
  const childrenShown = childrenListed(result);
  return [
    ...logLines,
    ...mismatchLines(raw, result),
    ...childReports(childrenShown),
    ...suppressions,
    ...(quiet && allWell(result) ? [] : [ending(result), verdict]),
    ...mismatchVerdict,
    ...growthLines(result, quiet),
    ...releaseNotes(result).map((note) => `pmm: ${note}`),
    // What suppressions took is what the user said to expect: no news to -q, as to valgrind's.
    ...(quiet ? [] : suppressed),
    ...childLines(result, childrenShown),
    ...notes,
    '',
  ].join('\n');
}
