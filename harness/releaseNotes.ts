// What a run says besides its leaks and mismatches, which fails no test but must not go unsaid: frees of
// blocks pmm never saw allocated, allocations pmm could not keep (without which the leak figures are a lower
// bound), and the read-only file system a program met. `pmm run` prints these lines, and the Jest
// environment writes them on stderr.
import { HOST_MAX_TOTAL_RECORDS, MAX_LIVE_RECORDS, MAX_TOTAL_RECORDS } from '../hooklib/host/recordStream';
import { OUTPUT_CAP_BYTES, type ChildResult, type RunResult } from './types';

/**
 * A forked child's unmatched frees are not said: it frees blocks its parent allocated before the fork,
 * of which its own records know nothing, as a matter of course.
 */
export function releaseNotes(process: Pick<RunResult | ChildResult, 'unmatchedFrees' | 'droppedRecords' | 'recordingOffAtStart'>, forked = false): string[] {
  const notes: string[] = [];
  if (process.recordingOffAtStart) {
    const who = forked ? 'it' : 'the program';
    notes.push(`recording started off (PMM_HOOKS_ACTIVE=0): what ${who} allocated before it turned it on (pmm_hooks_active(1)), all of it if it never did, was not checked`);
  }
  const n = process.unmatchedFrees;
  const dropped = process.droppedRecords ?? 0;
  if (n > 0 && !forked) {
    notes.push(
      `${n} ${n === 1 ? 'free (or realloc) of a block' : 'frees (or reallocs) of blocks'} never seen allocated: ` +
        'a double free, a pointer no allocator gave, or a block allocated while hooks_active was off' +
        (dropped > 0 ? ', or one of the allocations not kept (below)' : ''),
    );
  }
  if (dropped > 0) notes.push(uncountedNote(dropped));
  return notes;
}

/** What droppedRecords means, in a line: said with the run, and in the failure of a run it leaves unjudged (verdict.ts). */
export function uncountedNote(dropped: number): string {
  return `${dropped} ${dropped === 1 ? 'allocation was' : 'allocations were'} not kept, past the most that pmm keeps ` +
    `(of one process: pmm.ko's max_records, ${MAX_LIVE_RECORDS.toLocaleString('en')} by default; of all the run's processes together: ` +
    `its max_total_records, ${MAX_TOTAL_RECORDS.toLocaleString('en')} by default; in host mode ${HOST_MAX_TOTAL_RECORDS.toLocaleString('en')} of each): ` +
    'the leak figures are a lower bound';
}

/** The run kept only the first 16 MiB of the program's stdout or stderr (pmd's cap; host mode keeps the same). */
export function outputNote(result: Pick<RunResult, 'outputTruncated'>): string[] {
  if (!result.outputTruncated) return [];
  return [`the program's output was cut: pmm keeps the first ${OUTPUT_CAP_BYTES / 2 ** 20} MiB of its stdout and of its stderr`];
}

/**
 * The program met the guest's read-only view of the host (its stderr says so): which folders it may
 * write to, and how to add one. In the CLI's words (--share) or the Jest option's (shares).
 */
export function readOnlyNote(stderr: string, how: 'cli' | 'jest'): string[] {
  if (!stderr.includes('Read-only file system')) return [];
  const share = how === 'cli' ? '--share DIR (or PMM_SHARES) makes DIR writable' : 'the shares option (or PMM_SHARES) makes a folder writable';
  return [`in the VM the host's files are read-only but for /tmp and the shared folders: ${share}`];
}
