import { DEFAULT_OPTIONS } from '../options';
import type { RunResult } from '../types';
import { LEAKING_PROCESSES_LISTED, runFailures, type RunContext } from '../verdict';

const leak = (bytes: number, blocks: number) => ({ bytes, blocks, kinds: ['malloc' as const], frames: [] });

function run(overrides: Partial<RunResult> = {}): RunResult {
  return {
    program: '/bin/p', args: [], exitCode: 0, signal: null, timedOut: false, stdout: '', stderr: '',
    leaks: [], summary: { bytes: 0, blocks: 0 }, mismatches: [], mismatchedFrees: 0, ...overrides,
  };
}

/** What a test declared: the program's own leaks or mismatches asserted (by a matcher on the run), a fault allowed. */
interface Flags {
  leaksExpected?: boolean;
  mismatchesExpected?: boolean;
  faultExpected?: boolean;
}

const context = (overrides: Partial<RunContext['options']> = {}, flags: Flags = {}): RunContext => ({
  options: { leakThreshold: DEFAULT_OPTIONS.leakThreshold, followChildren: true, ...overrides },
  faultExpected: flags.faultExpected ?? false,
  // A matcher on the run: the program's result, which has no pid (a child's has).
  asserted: (process, what) => !('pid' in process) && (what === 'leaks' ? flags.leaksExpected : flags.mismatchesExpected) === true,
});

const names = (failures: ReturnType<typeof runFailures>): string[] => failures.map((f) => f.name);

const leaky = run({ leaks: [leak(100, 2)], summary: { bytes: 100, blocks: 2 } });
const child = { pid: 7, program: '/usr/bin/sort' as string | null, leaks: [leak(50, 1)], summary: { bytes: 50, blocks: 1 }, mismatches: [], mismatchedFrees: 0 };
const mismatch = {
  allocation: { kind: 'new[]' as const, size: 40, frames: [] },
  release: { kind: 'delete' as const, frames: [] },
  count: 1,
};
const mismatched = run({ mismatches: [mismatch], mismatchedFrees: 1 });
const grown = { growing: true, samples: 30, series: [{ series: 'rss' as const, growing: true, reason: 'rss: r', growthBytes: 9 }] };
const flat = { growing: false, samples: 30, series: [] };
const grownChild = { ...child, leaks: [], summary: { bytes: 0, blocks: 0 }, growth: grown };
const mismatchedChild = { ...child, leaks: [], summary: { bytes: 0, blocks: 0 }, mismatches: [mismatch], mismatchedFrees: 1 };

test.each([
  ['a clean run', run(), context(), []],
  ['a leak', leaky, context(), ['MemoryLeak']],
  ['a leak within the threshold', leaky, context({ leakThreshold: { bytes: 100, blocks: 2 } }), []],
  ['a leak over the blocks allowed', leaky, context({ leakThreshold: { bytes: 1000, blocks: 1 } }), ['MemoryLeak']],
  ['a leak over the bytes allowed', leaky, context({ leakThreshold: { bytes: 99, blocks: 10 } }), ['MemoryLeak']],
  ['a leak within the bytes of a threshold that leaves blocks out', leaky, context({ leakThreshold: { bytes: 100 } }), []],
  ['a leak over the bytes of a threshold that leaves blocks out', leaky, context({ leakThreshold: { bytes: 99 } }), ['MemoryLeak']],
  ['a leak within the blocks of a threshold that leaves bytes out', leaky, context({ leakThreshold: { blocks: 2 } }), []],
  ['a leak over the blocks of a threshold that leaves bytes out', leaky, context({ leakThreshold: { blocks: 1 } }), ['MemoryLeak']],
  ['a leak checked with toLeak', leaky, context({}, { leaksExpected: true }), []],
  ['a child that leaked', run({ children: [child] }), context(), ['MemoryLeak']],
  ['a child that leaked, children not followed', run({ children: [child] }), context({ followChildren: false }), []],
  ['a tree within the threshold only without the child', { ...leaky, children: [child] }, context({ leakThreshold: { bytes: 120, blocks: 5 } }), ['MemoryLeak', 'MemoryLeak']],
  ['a crash with a leak', { ...leaky, exitCode: null, signal: 'SIGSEGV' }, context(), ['PmmFault', 'MemoryLeak']],
  ['a crash allowed', run({ exitCode: null, signal: 'SIGSEGV' }), context({}, { faultExpected: true }), []],
  // What it held when it died is not judged (before: a MemoryLeak, the C library's stdout buffer among them).
  ['a crash allowed, with the blocks it held', { ...leaky, exitCode: null, signal: 'SIGSEGV' }, context({}, { faultExpected: true }), []],
  ['a timeout allowed, with the blocks it held', { ...leaky, exitCode: null, signal: 'SIGKILL', timedOut: true }, context({}, { faultExpected: true }), []],
  ['a crash allowed, and a child that leaked', { ...leaky, exitCode: null, signal: 'SIGSEGV', children: [child] }, context({}, { faultExpected: true }), ['MemoryLeak']],
  ['allowFault on a run that exited by itself: its leak counts', leaky, context({}, { faultExpected: true }), ['MemoryLeak']],
  ['a timeout', run({ exitCode: null, signal: 'SIGKILL', timedOut: true }), context(), ['PmmFault']],
  ['growth', run({ growth: { growing: true, samples: 30, series: [{ series: 'rss', growing: true, reason: 'r', growthBytes: 9 }] } }), context(), ['MemoryGrowth']],
  ['no growth', run({ growth: { growing: false, samples: 30, series: [] } }), context(), []],
  ['growth that could not be judged', run({ growth: { growing: null, samples: 2, series: [] } }), context(), ['MemoryGrowth']],
  ['a child that grew', run({ growth: flat, children: [grownChild] }), context(), ['MemoryGrowth']],
  ['a child that grew, children not followed', run({ growth: flat, children: [grownChild] }), context({ followChildren: false }), []],
  ['a child too short-lived to judge', run({ growth: flat, children: [{ ...grownChild, growth: { growing: null, samples: 3, series: [] } }] }), context(), []],
  ['a flat child', run({ growth: flat, children: [{ ...grownChild, growth: flat }] }), context(), []],
  ['a program that grew and a child that grew', run({ growth: grown, children: [grownChild] }), context(), ['MemoryGrowth', 'MemoryGrowth']],
  ['a mismatched release', mismatched, context(), ['MismatchedFree']],
  ['a mismatched release, whatever the leak threshold', mismatched, context({ leakThreshold: { bytes: 1e9, blocks: 1e9 } }), ['MismatchedFree']],
  ['a mismatched release checked with toHaveMismatchedFrees', mismatched, context({}, { mismatchesExpected: true }), []],
  // The matchers assert the program's own figures: a child's leak or mismatch still fails the test.
  ['a leak checked with toLeak, and a child that leaked', { ...leaky, children: [child] }, context({}, { leaksExpected: true }), ['MemoryLeak']],
  ['a mismatch checked, and a child that released wrongly', { ...mismatched, children: [mismatchedChild] }, context({}, { mismatchesExpected: true }), ['MismatchedFree']],
  ['a leak checked with toLeak, and a mismatch', { ...leaky, mismatches: [mismatch], mismatchedFrees: 1 }, context({}, { leaksExpected: true }), ['MismatchedFree']],
  ['a leak and a mismatch, the mismatch checked', { ...leaky, mismatches: [mismatch], mismatchedFrees: 1 }, context({}, { mismatchesExpected: true }), ['MemoryLeak']],
  ['a child that mismatched', run({ children: [mismatchedChild] }), context(), ['MismatchedFree']],
  ['a child that mismatched, children not followed', run({ children: [mismatchedChild] }), context({ followChildren: false }), []],
  ['a crash, a leak and a mismatch', { ...leaky, signal: 'SIGABRT', exitCode: null, mismatches: [mismatch], mismatchedFrees: 1 }, context(), ['PmmFault', 'MemoryLeak', 'MismatchedFree']],
])('%s gives %j', (_name, result, ctx, expected) => {
  expect(names(runFailures(result, ctx))).toEqual(expected);
});

test("a crash's leaks are listed once: in the leak failure when they fail the test, else in the crash's", () => {
  const frame = { address: '0x1', function: 'make_node', file: '/src/list.c', line: 7, object: '/bin/p' };
  const crashed = { ...leaky, leaks: [{ ...leak(100, 2), frames: [frame] }], exitCode: null, signal: 'SIGSEGV' };
  const [fault, leakFailure] = runFailures(crashed, context());
  expect(fault.stack).not.toContain('make_node');
  expect(fault.stack).toContain('its leaks, with their stacks, are the leak failure that follows');
  expect(leakFailure.stack).toContain('make_node');
  // Within the threshold, the leaks fail nothing on their own: the crash's failure shows them.
  const [alone, ...none] = runFailures(crashed, context({ leakThreshold: { bytes: 1000, blocks: 10 } }));
  expect(none).toEqual([]);
  expect(alone.stack).toContain('make_node');
});

test("a child's leak names the child", () => {
  const [failure] = runFailures(run({ children: [child] }), context());
  expect(failure.message).toBe('50 bytes in 1 block leaked by /bin/p: forked child 7 (/usr/bin/sort)');
});

test("a child killed while the guest's out-of-memory killer ended processes says so where its leak is named", () => {
  const [failure] = runFailures(run({ oomKills: 1, children: [{ ...child, signal: 'SIGKILL' }] }), context());
  expect(failure.message).toBe(
    '50 bytes in 1 block leaked by /bin/p: forked child 7 (/usr/bin/sort), killed by SIGKILL: the guest ran out of memory ' +
      '(its out-of-memory killer ended 1 process during the run; raise the memoryMiB option or PMM_MEMORY_MIB)',
  );
  const [other] = runFailures(run({ oomKills: 1, children: [{ ...child, signal: 'SIGTERM' }] }), context());
  expect(other.message).toBe('50 bytes in 1 block leaked by /bin/p: forked child 7 (/usr/bin/sort)');
});

test("a child whose object map never came is named by its pid", () => {
  const [failure] = runFailures(run({ children: [{ ...child, program: null }] }), context());
  expect(failure.message).toBe('50 bytes in 1 block leaked by /bin/p: forked child 7');
});

test(`the first ${LEAKING_PROCESSES_LISTED} leaking processes get a failure each, the others one together`, () => {
  const children = Array.from({ length: LEAKING_PROCESSES_LISTED + 2 }, (_, i) => ({ ...child, pid: 100 + i }));
  const failures = runFailures({ ...leaky, children }, context());
  expect(failures).toHaveLength(LEAKING_PROCESSES_LISTED + 1);
  expect(failures[0].message).toBe('100 bytes in 2 blocks leaked by /bin/p');
  expect(failures[LEAKING_PROCESSES_LISTED - 1].message).toBe(`50 bytes in 1 block leaked by /bin/p: forked child ${100 + LEAKING_PROCESSES_LISTED - 2} (/usr/bin/sort)`);
  // Three children left over (the program took one place), their leaks added up; the reporters total every byte.
  const rest = failures[LEAKING_PROCESSES_LISTED];
  expect(rest.message).toBe("150 bytes in 3 blocks leaked by 3 more forked processes of /bin/p (the run's children list has them)");
  expect(rest.stack).toBe(rest.message);
  const total = failures.reduce((sum, f) => sum + ('pmmLeak' in f ? f.pmmLeak.summary.bytes : 0), 0);
  expect(total).toBe(100 + 50 * children.length);
});

test("a child's mismatch names the child and both kinds", () => {
  const [failure] = runFailures(run({ children: [mismatchedChild] }), context());
  expect(failure.message).toBe('1 block released by a mismatched free/delete in /bin/p: forked child 7 (/usr/bin/sort)');
  expect(failure.stack).toContain('new[] block of 40 bytes released with delete');
});

// It said "10 samples are too few" of a run whose 7 after the warm-up fell short of minSamples' 8, and
// named the interval's default, whatever the run's.
test('growth that could not be judged says how many samples were judged against how many it needs, and what to do', () => {
  const [failure] = runFailures(run({ growth: { growing: null, samples: 10, judged: 7, minSamples: 8, series: [] } }), context());
  expect(failure.message).toBe(
    'growth mode could not judge /bin/p: 10 samples, 7 of them after the warm-up, where 8 are judged at the fewest (minSamples) (run it longer; or, if its growth.intervalMs was raised, sample it more often: 100 ms, the default, is the most often)',
  );
});

test("a child's growth names the child", () => {
  const [failure] = runFailures(run({ growth: flat, children: [grownChild] }), context());
  expect(failure.message).toBe('/bin/p: forked child 7 (/usr/bin/sort) grew steadily while it ran: rss +9 bytes');
  expect(failure.stack).toBe(`${failure.message}\n  rss: r`);
});

test(`the first ${LEAKING_PROCESSES_LISTED} growing children get a failure each, the others one together`, () => {
  const children = Array.from({ length: LEAKING_PROCESSES_LISTED + 3 }, (_, i) => ({ ...grownChild, pid: 100 + i }));
  const failures = runFailures(run({ growth: flat, children }), context());
  expect(failures).toHaveLength(LEAKING_PROCESSES_LISTED + 1);
  expect(failures[LEAKING_PROCESSES_LISTED - 1].message).toMatch(new RegExp(`^/bin/p: forked child ${100 + LEAKING_PROCESSES_LISTED - 1} `));
  expect(failures[LEAKING_PROCESSES_LISTED].message).toBe("3 more forked processes of /bin/p grew steadily while they ran (the run's children list has them)");
});

describe('allocations pmm could not keep (droppedRecords): the figures are a lower bound', () => {
  test('a run that would pass on them fails: whether it leaked is not known', () => {
    const failures = runFailures(run({ droppedRecords: 1 }), context());
    expect(names(failures)).toEqual(['MemoryLeak']);
    expect(failures[0].message).toMatch(/^\/bin\/p: whether it leaked is not known: 1 allocation was not kept, past the most that pmm keeps \(of one process: pmm\.ko's max_records, 1,000,000 by default; of all the run's processes together: its max_total_records, 2,000,000 by default; in host mode 1,000,000 of each\): the leak figures are a lower bound$/);
  });

  test("a child's too, named as its reports name it", () => {
    const failures = runFailures(run({ children: [{ ...child, leaks: [], summary: { bytes: 0, blocks: 0 }, droppedRecords: 5 }] }), context());
    expect(failures.map((f) => f.message)).toEqual([expect.stringMatching(/^\/bin\/p: forked child 7 \(\/usr\/bin\/sort\): whether it leaked is not known: 5 allocations were not kept/)]);
  });

  test('leaks that fail the run already fail it once; a leak the test asserted (toLeak) is its to judge', () => {
    expect(names(runFailures(run({ leaks: [leak(100, 2)], summary: { bytes: 100, blocks: 2 }, droppedRecords: 1 }), context()))).toEqual(['MemoryLeak']);
    expect(runFailures(run({ droppedRecords: 1 }), context({}, { leaksExpected: true }))).toEqual([]);
  });

  test('within a threshold that the kept figures meet, the run still fails', () => {
    expect(names(runFailures(run({ leaks: [leak(10, 1)], summary: { bytes: 10, blocks: 1 }, droppedRecords: 3 }), context({ leakThreshold: { bytes: 100 } })))).toEqual(['MemoryLeak']);
  });
});
