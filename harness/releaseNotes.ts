// What a process's run says besides its leaks and mismatches, which fails no test but must not go unsaid:
// frees of blocks pmm never saw allocated, and records pmm.ko could not keep, without which the leak
// figures are a lower bound. `pmm run` prints these lines, and the Jest environment writes them on stderr.
import type { ChildResult, RunResult } from './types';

export function releaseNotes(process: Pick<RunResult | ChildResult, 'unmatchedFrees' | 'droppedRecords'>): string[] {
  const notes: string[] = [];
  const n = process.unmatchedFrees;
  if (n > 0) {
    notes.push(
      `${n} ${n === 1 ? 'free (or realloc) of a block' : 'frees (or reallocs) of blocks'} never seen allocated: ` +
        'a double free, a pointer no allocator gave, or a block allocated while hooks_active was off',
    );
  }
  const dropped = process.droppedRecords ?? 0;
  if (dropped > 0) {
    notes.push(
      `pmm.ko could not keep ${dropped} ${dropped === 1 ? 'record' : 'records'} (over its max_records caps): ` +
        'the leak figures are a lower bound',
    );
  }
  return notes;
}
