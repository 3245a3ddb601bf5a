// What a process's run says besides its leaks and mismatches, which fails no test but must not go unsaid:
// records pmm.ko could not keep, without which the leak figures are a lower bound. `pmm run` prints these
// lines, and the Jest environment writes them on stderr. (unmatchedFrees is not among them: every process
// has a couple, the hook's own start-up blocks that the C library frees at exit.)
import type { ChildResult, RunResult } from './types';

export function releaseNotes(process: Pick<RunResult | ChildResult, 'droppedRecords'>): string[] {
  const dropped = process.droppedRecords ?? 0;
  if (dropped === 0) return [];
  return [
    `pmm.ko could not keep ${dropped} ${dropped === 1 ? 'record' : 'records'} (over its max_records caps): ` +
      'the leak figures are a lower bound',
  ];
}
