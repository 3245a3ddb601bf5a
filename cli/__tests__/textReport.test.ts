// The text `pmm run` prints: the program's unmatched allocations one by one (the first SEED_LOG_LISTED, but
// the suppressed ones), and of its forked children the leaks of the first ones with their stacks, a line
// each for the first CHILDREN_WITH_LINES worth a word and one for the rest; its mismatched releases once per context, as valgrind lists them.
import { groupMismatches } from '../../harness/mismatchReport';
import { closeSymbolizer, type RawRun } from '../../harness/runProgram';
import type { ChildResult, Leak, RawMismatch, RawRecord, RunResult } from '../../harness/types';
import { LEAKING_PROCESSES_LISTED } from '../../harness/verdict';
import { CHILDREN_WITH_LINES, SEED_LOG_LISTED, textReport } from '../textReport';

const frame = { address: '0x401136', function: 'make_node', file: '/src/tree.c', line: 12, object: '/src/tree' };

function child(pid: number, bytes: number): ChildResult {
  const leaks = bytes > 0 ? [{ bytes, blocks: 1, kinds: ['malloc' as const], frames: [frame] }] : [];
  return {
    pid, program: '/src/tree', exitCode: 0, signal: null, unhooked: false, leaks,
    summary: { bytes, blocks: leaks.length }, mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0,
  };
}

afterAll(() => closeSymbolizer());

const noLeaks = { leaks: [], summary: { bytes: 0, blocks: 0 } };

function report(children: ChildResult[], own: { records: RawRecord[]; leaks: Leak[]; suppressed?: Leak[] } = { records: [], leaks: [] }, quiet = false, exitCode = 0): Promise<string> {
  const count = (leaks: Leak[]) => leaks.reduce((s, l) => ({ bytes: s.bytes + l.bytes, blocks: s.blocks + l.blocks }), noLeaks.summary);
  const result: RunResult = {
    program: '/bin/sh', args: [], exitCode, signal: null, timedOut: false, stdout: '', stderr: '',
    leaks: own.leaks, summary: count(own.leaks), mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0, children,
    ...(own.suppressed ? { suppressed: { leaks: own.suppressed, summary: count(own.suppressed) } } : {}),
  };
  const raw = { result, records: own.records, mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0, droppedRecords: 0, maps: '', unhooked: false } as unknown as RawRun;
  return textReport(raw, result, [], [], quiet);
}

/** n blocks of 8 bytes from the stack of one return address, and their leak group. */
function leakFrom(address: string, n: number): { records: RawRecord[]; leak: Leak } {
  const records = Array.from({ length: n }, (_, i) => ({ kind: 'malloc' as const, ptr: `0x${(0x1000 + i * 16).toString(16)}`, prevPtr: '0x0', size: 8, timeNs: '0', frames: [address] }));
  return { records, leak: { bytes: 8 * n, blocks: n, kinds: ['malloc'], frames: [{ address, function: null, file: null, line: null, object: null }] } };
}

test('suppressed allocations are not listed, and the verdict says some were suppressed', async () => {
  const kept = leakFrom('0x401000', 2);
  const gone = leakFrom('0x402000', 3);
  const text = await report([], { records: [...gone.records, ...kept.records], leaks: [kept.leak], suppressed: [gone.leak] });
  expect(text.match(/^\{MALLOC @/gm)).toHaveLength(2);
  expect(text).toContain('pmm: 16 bytes in 2 blocks leaked, from 1 stack\n');
  const none = await report([], { records: gone.records, leaks: [], suppressed: [gone.leak] });
  expect(none).not.toMatch(/^\{MALLOC @/m);
  expect(none).toContain('pmm: no leaks but suppressed ones\npmm: suppressed: 24 bytes in 3 blocks\n');
});

test(`the first ${SEED_LOG_LISTED} unmatched allocations one by one, then all of them by stack`, async () => {
  const many = leakFrom('0x401000', SEED_LOG_LISTED + 5);
  const text = await report([], { records: many.records, leaks: [many.leak] });
  expect(text.match(/^\{MALLOC @/gm)).toHaveLength(SEED_LOG_LISTED);
  expect(text).toContain(`pmm: the first ${SEED_LOG_LISTED} of ${SEED_LOG_LISTED + 5} unmatched allocations are listed above; all of them by stack:\n` +
    `${8 * (SEED_LOG_LISTED + 5)} bytes in ${SEED_LOG_LISTED + 5} blocks leaked by /bin/sh\n  ${8 * (SEED_LOG_LISTED + 5)} bytes in ${SEED_LOG_LISTED + 5} blocks (malloc)\n`);
  const exactly = leakFrom('0x401000', SEED_LOG_LISTED);
  expect(await report([], { records: exactly.records, leaks: [exactly.leak] })).not.toContain('listed above');
});

test('a leaking child gets its stacks, a clean one no line', async () => {
  const text = await report([child(101, 0), child(102, 40)]);
  expect(text).toContain('40 bytes in 1 block leaked by forked child 102 (/src/tree)\n  40 bytes in 1 block (malloc)\n    by make_node (/src/tree.c:12)\n');
  expect(text).toContain('pmm: forked child 102 (/src/tree): 40 bytes in 1 block leaked\n');
  expect(text).not.toContain('forked child 101');
});

test("the verdict is the program's own: when only a forked child leaked, it does not say every allocation was freed", async () => {
  const text = await report([child(101, 0), child(102, 40)]);
  expect(text).toContain('pmm: no leaks in the program itself, but in its forked children\n');
  expect(text).not.toContain('every allocation was freed');
  expect(await report([child(101, 0)])).toContain('pmm: no leaks: every allocation was freed\n');
});

test(`the stacks of the first ${LEAKING_PROCESSES_LISTED} leaking children; the others say --json has them`, async () => {
  const children = Array.from({ length: LEAKING_PROCESSES_LISTED + 2 }, (_, i) => child(200 + i, 8));
  const text = await report(children);
  expect(text.match(/^8 bytes in 1 block leaked by forked child \d+/gm)).toHaveLength(LEAKING_PROCESSES_LISTED);
  const last = 200 + LEAKING_PROCESSES_LISTED + 1;
  expect(text).toContain(`pmm: forked child ${last - 2} (/src/tree): 8 bytes in 1 block leaked\n`);
  expect(text).toContain(`pmm: forked child ${last} (/src/tree): 8 bytes in 1 block leaked (--json lists them)\n`);
});

test(`lines for the ${CHILDREN_WITH_LINES} children that matter most, then one line adding up the rest (a line each flooded the log)`, async () => {
  // A script running grep a thousand times: most children exit 1, some leak, one is killed.
  const children = Array.from({ length: 1000 }, (_, i) => ({ ...child(1000 + i, i % 100 === 0 ? 8 : 0), exitCode: 1 }));
  children[999] = { ...children[999], exitCode: null, signal: 'SIGTERM' };
  children.push(child(5000, 0));
  const text = await report(children);
  // Those that matter most first: the 10 that leaked, then the one killed, then 39 of the failing statuses.
  expect(text.match(/^pmm: forked child \d+ \(\/src\/tree\): 8 bytes in 1 block leaked/gm)).toHaveLength(10);
  expect(text).toContain('pmm: forked child 1999 (/src/tree) was killed by SIGTERM\n');
  expect(text.match(/^pmm: forked child \d+ \(\/src\/tree\) exited with status 1$/gm)).toHaveLength(10 + CHILDREN_WITH_LINES - 11);
  expect(text).toContain(`pmm: and ${1000 - CHILDREN_WITH_LINES} more forked children with something to say (--json lists them): ` +
    `${1000 - CHILDREN_WITH_LINES} exited with a status other than 0\n`);
  expect(text).not.toContain('forked child 5000');
  const one = await report(Array.from({ length: CHILDREN_WITH_LINES + 1 }, (_, i) => ({ ...child(100 + i, 0), exitCode: 2 })));
  expect(one).toContain('pmm: and 1 more forked child with something to say (--json lists them): 1 exited with a status other than 0\n');
});

// Killed before the hook started, by its time limit or by a signal pmm passed on: no record says nothing leaked.
test.each([
  ['its time ran out', { signal: 'SIGKILL', timedOut: true, timedOutBeforeHook: true },
    'pmm: the program timed out and was killed\npmm: nothing was recorded: the time ran out before the hook started\n'],
  ['a signal passed on ended it', { signal: 'SIGINT', timedOut: false, signalledBeforeHook: true },
    'pmm: the program was killed by SIGINT\npmm: nothing was recorded: SIGINT ended it before the hook started\n'],
] as const)('a run where %s before the hook started says nothing was recorded, not that nothing leaked', async (_how, ending, expected) => {
  const result: RunResult = {
    program: '/bin/sh', args: [], exitCode: null, ...ending, stdout: '', stderr: '',
    ...noLeaks, mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0, children: [],
  };
  const raw = { result, records: [], mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0, droppedRecords: 0, maps: '', unhooked: false } as unknown as RawRun;
  expect(await textReport(raw, result, [], [])).toBe(expected);
});

test("a child killed while the guest's out-of-memory killer ended processes: its line says why", async () => {
  const result: RunResult = {
    program: '/bin/sh', args: [], exitCode: 0, signal: null, timedOut: false, stdout: '', stderr: '', oomKills: 1,
    ...noLeaks, mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0, children: [{ ...child(9, 0), exitCode: null, signal: 'SIGKILL' }],
  };
  const raw = { result, records: [], mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0, droppedRecords: 0, maps: 'x', unhooked: false } as unknown as RawRun;
  expect(await textReport(raw, result, [], [])).toContain(
    'pmm: forked child 9 (/src/tree) was killed by SIGKILL: the guest ran out of memory (its out-of-memory killer ended 1 process during the run; raise the memoryMiB option or PMM_MEMORY_MIB)\n',
  );
});

describe('mismatched releases', () => {
  /** A mismatch at ptr: new[] released with delete at releasedAt, or malloc with delete[] when kind says so. */
  const mismatch = (ptr: string, releasedAt: string, kind: 'new[]' | 'malloc' = 'new[]'): RawMismatch => ({
    ptr, size: 16, allocation: { kind, frames: ['0x401000'] }, release: { kind: kind === 'new[]' ? 'delete' : 'delete[]', frames: [releasedAt, '0x401100'] },
  });
  const inLoop = ['0x1000', '0x1010', '0x1020'].map((ptr) => mismatch(ptr, '0x401200'));
  const once = mismatch('0x2000', '0x401300');
  const suppressedPair = [mismatch('0x3000', '0x401400', 'malloc'), mismatch('0x3010', '0x401400', 'malloc')];

  /** The report of a run that made these, all of them kept (or only the first ones, when made is more). */
  function reportOf(made: number): Promise<string> {
    const mismatches = [inLoop[0], suppressedPair[0], once, inLoop[1], suppressedPair[1], inLoop[2]];
    const [loop, gone, single] = groupMismatches(mismatches, []);
    const result: RunResult = {
      program: '/src/mm', args: [], exitCode: 0, signal: null, timedOut: false, stdout: '', stderr: '',
      ...noLeaks, mismatches: [loop, single], mismatchedFrees: made, unmatchedFrees: 0, children: [],
      suppressed: { ...noLeaks, mismatches: [gone], mismatchedFrees: 2 },
    };
    const raw = { result, records: [], mismatches, mismatchedFrees: made + 2, unmatchedFrees: 0, droppedRecords: 0, maps: '', unhooked: false } as unknown as RawRun;
    return textReport(raw, result, [], []);
  }

  test('each context once, in the order first seen, at its first address, with how many times when more than once; none suppressed', async () => {
    const text = await reportOf(4);
    expect(text.match(/^Mismatched free\(\)/gm)).toEqual(['Mismatched free()', 'Mismatched free()']);
    expect(text).toContain(
      'Mismatched free() / delete / delete []: new[] block of 16 bytes released with delete (3 times)\n' +
      '   at 0x401200: 0x401200 (??)\n   by 0x401100: 0x401100 (??)\n' +
      " Address 0x1000 is 0 bytes inside a block of size 16 alloc'd by new[]\n   at 0x401000: 0x401000 (??)\n" +
      'Mismatched free() / delete / delete []: new[] block of 16 bytes released with delete\n' +
      '   at 0x401300: 0x401300 (??)\n   by 0x401100: 0x401100 (??)\n' +
      " Address 0x2000 is 0 bytes inside a block of size 16 alloc'd by new[]\n",
    );
    expect(text).not.toContain('delete[]');
    expect(text).toContain('pmm: 4 blocks released by a mismatched free/delete\n');
    expect(text).toContain('pmm: suppressed: 2 mismatched releases\n');
  });

  test('when pmm.ko kept only the first ones, the summary says how many blocks the groups listed stand for', async () => {
    expect(await reportOf(300)).toContain('pmm: 300 blocks released by a mismatched free/delete (the first 4 listed)\n');
  });
});

// valgrind -q prints only errors: a CI log then shows pmm only where something is wrong.
test('quiet: nothing for a clean run, or for one whose leaks were all suppressed; the rest as ever', async () => {
  expect(await report([], { records: [], leaks: [] }, true)).toBe('');
  const gone = leakFrom('0x402000', 3);
  expect(await report([], { records: gone.records, leaks: [], suppressed: [gone.leak] }, true)).toBe('');
  const kept = leakFrom('0x401000', 2);
  const leaking = await report([], { records: kept.records, leaks: [kept.leak] }, true);
  expect(leaking).toMatch(/^\{MALLOC @/);
  expect(leaking).toContain('pmm: the program exited with status 0\npmm: 16 bytes in 2 blocks leaked, from 1 stack\n');
  // A failing status is news, and so is what a forked child leaked.
  expect(await report([], { records: [], leaks: [] }, true, 2)).toBe('pmm: the program exited with status 2\npmm: no leaks: every allocation was freed\n');
  expect(await report([child(9, 24)], { records: [], leaks: [] }, true)).toContain('pmm: forked child 9 (/src/tree): 24 bytes in 1 block leaked\n');
  expect(await report([], { records: [], leaks: [] })).toBe('pmm: the program exited with status 0\npmm: no leaks: every allocation was freed\n');
});
