// pmd sends each distinct stack of a process once, and each unmatched allocation names its own by number
// (pmd/stacks.h): a program that leaked a million blocks from a few places arrives as a few stacks, not
// sixteen million strings. As RawRecords, the records of one stack share its array, which the symbolizer
// and the grouping of leaks find each stack by.

import type {AnswerRecord} from '../qemu/protocol';
import type {RawRecord} from './types';

/** The records with their frames: each its stack's array, shared. */
export function withSharedStacks(records: readonly AnswerRecord[], stacks: readonly string[][]): RawRecord[] {
  return records.map(({stack, ...record}, index) => {
    const frames = stacks[stack];
    if (frames === undefined) throw new Error(`pmd sent record ${index} with stack ${stack}, of ${stacks.length}`);
    return {...record, frames};
  });
}
