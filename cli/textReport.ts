// What `pmm run` prints on stderr after the program's own output (without --json): each unmatched allocation
// in the article's log format with its stack, each mismatched release as valgrind prints it, the suppressions
// asked for, then a summary line for the program and for each forked child worth a word, then notes. The
// leaks and mismatched releases of its forked children come after its own, grouped by stack as a Jest
// failure shows them (a script's or a make's children are often what the user is looking for).
import { forkedChildName } from '../harness/childName';
import { outOfMemoryNote } from '../harness/faults';
import { unhookedChildMessage } from '../harness/hookReach';
import { formatAmount, formatLeakMessage, formatSeedLog } from '../harness/leakReport';
import { formatMismatchMessage, formatValgrindMismatch } from '../harness/mismatchReport';
import { releaseNotes } from '../harness/releaseNotes';
import { sharedSymbolizer, symbolizeMismatches, type RawRun } from '../harness/runProgram';
import type { ChildResult, RunResult } from '../harness/types';
import { LEAKING_PROCESSES_LISTED } from '../harness/verdict';

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

/** The lines of the program's forked children that ended badly, leaked, released wrongly or could not be hooked. */
function childLines(result: RunResult, listed: Set<ChildResult>): string[] {
  return (result.children ?? []).flatMap((c) => {
    const name = `pmm: ${forkedChildName(c)}`;
    const where = listed.has(c) ? '' : ' (--json lists them)';
    return [
      ...(c.signal ? [`${name} was killed by ${c.signal}`] : []),
      ...(c.exitCode ? [`${name} exited with status ${c.exitCode}`] : []),
      ...(c.unhooked ? [unhookedChildMessage(result.program, c)] : []),
      ...(c.summary.blocks > 0 ? [`${name}: ${formatAmount(c.summary)} leaked${where}`] : []),
      ...(c.mismatchedFrees > 0 ? [`${name}: ${c.mismatchedFrees} mismatched free/delete${where}`] : []),
      ...(c.suppressed && c.suppressed.summary.blocks > 0 ? [`${name}: suppressed: ${formatAmount(c.suppressed.summary)}`] : []),
      ...releaseNotes(c, true).map((note) => `${name}: ${note}`),
    ];
  });
}

/** The report's text, ending in a newline; suppressions and notes are lines made by the caller. */
export async function textReport(raw: RawRun, result: RunResult, suppressions: string[], notes: string[]): Promise<string> {
  // The article's log lists every unmatched allocation; the symbolizer answers these from its cache.
  const frames = raw.records.length > 0 ? await sharedSymbolizer().symbolizeRecords(raw.maps, raw.records) : [];
  const logLines = raw.records.map((record, i) => formatSeedLog(record, frames[i]));
  // Each mismatched release as valgrind reports it, in the order they happened.
  const mismatchFrames = await symbolizeMismatches(raw.maps, raw.mismatches);
  const mismatchLines = raw.mismatches.map((m, i) => formatValgrindMismatch(m, mismatchFrames[i]));
  const stacks = result.leaks.length;
  const verdict = result.summary.blocks === 0
    ? 'pmm: no leaks: every allocation was freed'
    : `pmm: ${formatAmount(result.summary)} leaked, from ${stacks} ${stacks === 1 ? 'stack' : 'stacks'}`;
  const n = result.mismatchedFrees;
  const listed = raw.mismatches.length;
  const mismatchVerdict = n === 0
    ? []
    : [`pmm: ${n} ${n === 1 ? 'block' : 'blocks'} released by a mismatched free/delete${n > listed ? ` (the first ${listed} listed)` : ''}`];
  const suppressed = result.suppressed && result.suppressed.summary.blocks > 0 ? [`pmm: suppressed: ${formatAmount(result.suppressed.summary)}`] : [];
  const childrenShown = childrenListed(result);
  return [
    ...logLines,
    ...mismatchLines,
    ...childReports(childrenShown),
    ...suppressions,
    ending(result),
    verdict,
    ...mismatchVerdict,
    ...releaseNotes(result).map((note) => `pmm: ${note}`),
    ...suppressed,
    ...childLines(result, childrenShown),
    ...notes,
    '',
  ].join('\n');
}
