import {shareStacks} from '../sharedStacks';
import type {RawRecord} from '../types';

const record = (ptr: string, frames: string[]): RawRecord => ({kind: 'malloc', ptr, prevPtr: '0x0', size: 8, timeNs: '0', frames});

describe('shareStacks', () => {
  it('gives records with the same addresses one array, the first seen, and leaves the others their own', () => {
    const first = ['0x1', '0x2'];
    const records = [record('0x10', first), record('0x20', ['0x1', '0x3']), record('0x30', ['0x1', '0x2']), record('0x40', ['0x1'])];
    const shared = shareStacks(records);
    expect(shared).toBe(records);
    expect(shared.map((r) => r.frames)).toEqual([['0x1', '0x2'], ['0x1', '0x3'], ['0x1', '0x2'], ['0x1']]);
    expect(shared[2].frames).toBe(first);
    expect(new Set(shared.map((r) => r.frames)).size).toBe(3);
  });

  it('gives records without a stack one empty array too', () => {
    const records = shareStacks([record('0x10', []), record('0x20', [])]);
    expect(records[1].frames).toBe(records[0].frames);
    expect(records[0].frames).toEqual([]);
  });
});
