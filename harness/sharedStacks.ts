// Records as pmd sends them, each with an array of its own addresses: a program that leaked a million
// blocks from a few places arrives as sixteen million strings. Given one array per distinct stack, the
// copies can go at once, and the symbolizer and the grouping of leaks find each stack by its array.

import type {RawRecord} from './types';

/** The same records, those with the same addresses now sharing one frames array (records are changed in place). */
export function shareStacks(records: RawRecord[]): RawRecord[] {
  const stacks = new Map<string, string[]>();
  for (const record of records) {
    const key = record.frames.join(' ');
    const shared = stacks.get(key);
    if (shared === undefined) stacks.set(key, record.frames);
    else record.frames = shared;
  }
  return records;
}
