import type {AnswerRecord} from '../../qemu/protocol';
import {withSharedStacks} from '../sharedStacks';

const record = (ptr: string, stack: number): AnswerRecord => ({kind: 'malloc', ptr, prevPtr: '0x0', size: 8, timeNs: '0', stack});

describe('withSharedStacks', () => {
  it("gives each record its stack's frames, records of one stack one shared array", () => {
    const stacks = [['0x1', '0x2'], ['0x1', '0x3'], []];
    const records = withSharedStacks([record('0x10', 0), record('0x20', 1), record('0x30', 0), record('0x40', 2)], stacks);
    expect(records.map((r) => [r.ptr, r.frames])).toEqual([['0x10', ['0x1', '0x2']], ['0x20', ['0x1', '0x3']], ['0x30', ['0x1', '0x2']], ['0x40', []]]);
    expect(records[2].frames).toBe(records[0].frames);
    expect(records[0]).not.toHaveProperty('stack');
  });

  it('refuses a record naming a stack pmd did not send', () => {
    expect(() => withSharedStacks([record('0x10', 0), record('0x20', 1)], [['0x1']])).toThrow('pmd sent record 1 with stack 1, of 1');
  });
});
