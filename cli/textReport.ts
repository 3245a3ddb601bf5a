// What `pmm run` prints on stderr after the program's own output (without --json): each unmatched allocation
// in the article's log format with its stack, each mismatched release as valgrind prints it, the suppressions
// asked for, then a summary line for the program and for each forked child worth a word, then notes.
import { outOfMemoryNote } from '../harness/faults';
import { unhookedChildMessage } from '../harness/hookReach';
import { formatAmount, formatSeedLog } from '../harness/leakReport';
import { formatValgrindMismatch } from '../harness/mismatchReport';
import { releaseNotes } from '../harness/releaseNotes';
import { sharedSymbolizer, symbolizeMismatches, type RawRun } from '../harness/runProgram';
import type { RunResult } from '../harness/types';

/** How the program ended, in a line. */
function ending(result: RunResult): string {
  if (result.timedOut) return 'pmm: the program timed out and was killed';
  const oom = outOfMemoryNote(result);
  if (result.signal) return `pmm: the program was killed by ${result.signal}${oom ? `: ${oom}` : ''}`;
  return `pmm: the program exited with status ${result.exitCode}`;
}

/** The lines of the program's forked children that ended badly, leaked, released wrongly or could not be hooked. */
function childLines(result: RunResult): string[] {
  return (result.children ?? []).flatMap((c) => [
    ...(c.signal ? [`pmm: forked child ${c.pid} was killed by ${c.signal}`] : []),
    ...(c.exitCode ? [`pmm: forked child ${c.pid} exited with status ${c.exitCode}`] : []),
    ...(c.unhooked ? [unhookedChildMessage(result.program, c.pid)] : []),
    ...(c.summary.blocks > 0 ? [`pmm: forked child ${c.pid}: ${formatAmount(c.summary)} leaked (--json lists them)`] : []),
    ...(c.mismatchedFrees > 0 ? [`pmm: forked child ${c.pid}: ${c.mismatchedFrees} mismatched free/delete (--json lists them)`] : []),
    ...(c.suppressed && c.suppressed.summary.blocks > 0 ? [`pmm: forked child ${c.pid}: suppressed: ${formatAmount(c.suppressed.summary)}`] : []),
    ...releaseNotes(c, true).map((note) => `pmm: forked child ${c.pid}: ${note}`),
  ]);
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
  return [
    ...logLines,
    ...mismatchLines,
    ...suppressions,
    ending(result),
    verdict,
    ...mismatchVerdict,
    ...releaseNotes(result).map((note) => `pmm: ${note}`),
    ...suppressed,
    ...childLines(result),
    ...notes,
    '',
  ].join('\n');
}
