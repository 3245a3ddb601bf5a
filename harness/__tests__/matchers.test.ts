// The matchers as Jest calls them: pass or not, the message, and which runs they declare expected.
import { leakMatchers } from '../matchers';
import { applySuppressions, parseSuppressions } from '../suppressions';
import type { Mismatch, RunResult } from '../types';

const mismatch: Mismatch = {
  allocation: { kind: 'new[]', size: 40, frames: [{ address: '0x1', function: 'make', file: '/src/m.cc', line: 3, object: null }] },
  release: { kind: 'delete', frames: [] },
  count: 2,
};

function leaking(own: number, children: number[] = []): RunResult {
  const summary = (blocks: number) => ({ bytes: 10 * blocks, blocks });
  return {
    ...run(0),
    summary: summary(own),
    children: children.map((blocks, i) => ({
      pid: 100 + i, exitCode: 0, signal: null, leaks: [], summary: summary(blocks), mismatches: [], mismatchedFrees: 0,
    })),
  };
}

function run(mismatchedFrees: number): RunResult {
  return {
    program: './mm', args: [], exitCode: 0, signal: null, timedOut: false, stdout: '', stderr: '',
    leaks: [], summary: { bytes: 0, blocks: 0 },
    mismatches: mismatchedFrees > 0 ? [{ ...mismatch, count: mismatchedFrees }] : [], mismatchedFrees,
  };
}

describe('toHaveMismatchedFrees', () => {
  it.each<[string, number, number | undefined, boolean]>([
    ['some, none asked for', 2, undefined, true],
    ['none, none asked for', 0, undefined, false],
    ['exactly as many', 2, 2, true],
    ['fewer', 1, 2, false],
    ['none, and 0 asked for', 0, 0, true],
  ])('%s', (_name, made, expected, pass) => {
    const seen: RunResult[] = [];
    const result = run(made);
    const outcome = leakMatchers(() => {}, (r) => seen.push(r)).toHaveMismatchedFrees(result, expected);
    expect(outcome.pass).toBe(pass);
    // Asserted, so expected (the environment does not fail the test for them): only when the matcher passed.
    expect(seen).toEqual(pass ? [result] : []);
    // Negated (.not), it asserts nothing: the mismatches are judged as ever.
    const negated: RunResult[] = [];
    leakMatchers(() => {}, (r) => negated.push(r)).toHaveMismatchedFrees.call({ isNot: true }, result, expected);
    expect(negated).toEqual([]);
  });

  it.each([['a string', '3'], ['a negative count', -1], ['a fraction', 1.5]])('refuses %s as the count', (_what, count) => {
    expect(() => leakMatchers(() => {}).toHaveMismatchedFrees(run(3), count as number)).toThrow(
      `toHaveMismatchedFrees expects nothing, or a count as a non-negative integer, got ${JSON.stringify(count)}`,
    );
  });

  it('says what it wanted and what there was, with the mismatches', () => {
    const message = leakMatchers(() => {}).toHaveMismatchedFrees(run(2), 3).message();
    expect(message).toBe(
      'expected ./mm to make 3 mismatched free/deletes, but it made 2\n' +
        '2 blocks released by a mismatched free/delete in ./mm\n' +
        '  new[] block of 40 bytes released with delete (2 times)\n' +
        '    (no stack recorded for the delete)\n' +
        '  allocated with new[]\n' +
        '    by make (/src/m.cc:3)',
    );
    expect(leakMatchers(() => {}).toHaveMismatchedFrees(run(0)).message()).toBe('expected ./mm to make a mismatched free/delete, but it made 0');
  });


  it('toLeak acknowledges leaks only', () => {
    const leaks: RunResult[] = [];
    const mismatches: RunResult[] = [];
    leakMatchers((r) => leaks.push(r), (r) => mismatches.push(r)).toLeak({ ...leaking(1), mismatches: run(1).mismatches, mismatchedFrees: 1 });
    expect([leaks.length, mismatches.length]).toEqual([1, 0]);
  });
});

describe('toLeak', () => {
  it.each<[string, RunResult, { bytes?: number; blocks?: number }, boolean, string]>([
    ['a leak, none described', leaking(2), {}, true, 'expected ./mm not to leak, but it leaked 20 bytes in 2 blocks'],
    ['the leak described', leaking(1), { bytes: 10, blocks: 1 }, true, 'expected ./mm not to leak 10 bytes in 1 block, but it leaked 10 bytes in 1 block'],
    ['another leak', leaking(2), { bytes: 10 }, false, 'expected ./mm to leak 10 bytes, but it leaked 20 bytes in 2 blocks'],
    ['no leak', leaking(0), {}, false, 'expected ./mm to leak, but every allocation of its own was freed'],
    [
      'only its children leaked',
      leaking(0, [1, 2]),
      {},
      false,
      "expected ./mm to leak, but every allocation of its own was freed (its forked children leaked 30 bytes in 3 blocks; toLeak counts the program's own)",
    ],
    ['nothing asked for', leaking(0), { bytes: 0, blocks: 0 }, false, 'expected ./mm to leak 0 bytes in 0 blocks, but every allocation of its own was freed; toHaveNoLeaks() asserts no leak'],
  ])('%s', (_name, result, expected, pass, message) => {
    const seen: RunResult[] = [];
    const outcome = leakMatchers((r) => seen.push(r)).toLeak(result, expected);
    expect([outcome.pass, outcome.message()]).toEqual([pass, message]);
    // Asserted, so expected, only when it passed; the environment still judges the children (verdict.ts).
    expect(seen).toEqual(pass ? [result] : []);
    const negated: RunResult[] = [];
    leakMatchers((r) => negated.push(r)).toLeak.call({ isNot: true }, result, expected);
    expect(negated).toEqual([]);
  });

  it.each([
    ['a number', 600],
    ['a misspelt key', { byte: 600 }],
    ['null', null],
    ['a string count', { bytes: '100' }],
    ['a negative count', { blocks: -1 }],
  ])('refuses %s as what to expect', (_what, expected) => {
    expect(() => leakMatchers(() => {}).toLeak(leaking(1), expected as { bytes?: number })).toThrow(
      `toLeak expects nothing, or {bytes, blocks} (either or both) as non-negative integers, got ${JSON.stringify(expected)}`,
    );
  });

  it('says that the leaks were suppressed, and by which rules, not that all was freed', () => {
    const at = (fn: string) => [{ address: '0x1', function: fn, file: null, line: null, object: '/mm' }];
    const leaks = [
      { bytes: 24, blocks: 2, kinds: ['malloc' as const], frames: at('load_config') },
      { bytes: 8, blocks: 1, kinds: ['new' as const], frames: at('Cache::fill()') },
    ];
    const rules = parseSuppressions('# known\nleak:load_config\nleak:Cache::*\n', 'app.supp');
    const { kept, suppressed } = applySuppressions(leaks, rules);
    const result: RunResult = { ...run(0), leaks: kept, suppressed };
    const outcome = leakMatchers(() => {}).toLeak(result, { blocks: 3 });
    expect([outcome.pass, outcome.message()]).toEqual([
      false,
      'expected ./mm to leak 3 blocks, but its leaks (32 bytes in 3 blocks) were suppressed by leak:load_config (app.supp:2), leak:Cache::* (app.supp:3)',
    ]);
    // .not.toHaveNoLeaks() says the same.
    expect(leakMatchers(() => {}).toHaveNoLeaks(result).message()).toBe(
      'expected ./mm to leak, but its leaks (32 bytes in 3 blocks) were suppressed by leak:load_config (app.supp:2), leak:Cache::* (app.supp:3)',
    );
  });
});

// A value that is not a run, or a run of which nothing was recorded, is the matcher's error, thrown as
// Jest's own matchers throw for a value of the wrong type: a failed match would pass under .not.
describe('what the matchers cannot judge', () => {
  const matchers = leakMatchers(() => {}, () => {});
  const all = (received: unknown): Array<() => unknown> => [
    () => matchers.toHaveNoLeaks(received),
    () => matchers.toLeak.call({ isNot: true }, received),
    () => matchers.toHaveMismatchedFrees.call({ isNot: true }, received),
  ];

  it.each<[string, unknown, string]>([
    ['a string', 'oops', 'got string'],
    ['undefined', undefined, 'got undefined'],
    ['null', null, 'got null'],
    ['something else', { summary: {} }, 'got object'],
  ])('refuses %s, negated or not', (_what, value, got) => {
    for (const call of all(value)) expect(call).toThrow(`expects the result of pmm.run (or one of its children), ${got}`);
  });

  it('says to await a promise (a run not awaited), whatever realm made it', () => {
    const said = 'toHaveNoLeaks expects the result of pmm.run (or one of its children), got a Promise: await it, expect(await pmm.run(...))';
    expect(() => matchers.toHaveNoLeaks.call({ isNot: true }, Promise.resolve(run(0)))).toThrow(said);
    // An async function of the test file's makes its Promise in the file's realm: no instanceof Promise here.
    const otherRealm = { then: (resolve: (r: RunResult) => void) => resolve(run(0)) };
    expect(() => matchers.toHaveNoLeaks(otherRealm)).toThrow(said);
  });

  it.each<[string, Partial<RunResult>, string]>([
    ['a run without the hook', { hook: false }, 'it ran without the hook (hook: false): nothing was recorded'],
    ['a run timed out before the hook started', { timedOut: true, signal: 'SIGKILL', timedOutBeforeHook: true }, 'the time ran out before the hook started in it: nothing was recorded'],
    ['a run signalled before the hook started', { signal: 'SIGINT', signalledBeforeHook: true }, 'SIGINT ended it before the hook started: nothing was recorded'],
    ['a run its test left', { signal: 'SIGKILL', orphaned: true }, 'the test that started it ended before it finished: it was killed, and what it leaked is not known'],
    ['a forked child that exec()ed a program the hook cannot enter', { unhooked: true } as Partial<RunResult>, 'it exec()ed a program the hook cannot enter: what that image allocated was not seen'],
    ['a forked child whose hook could not reach pmm.ko', { unhooked: true, noDevice: true } as Partial<RunResult>, 'the hook in it could not reach pmm.ko (no descriptor of /dev/pmm left): what it allocated was not seen'],
  ])('refuses %s: nothing was recorded, negated or not', (_what, fields, why) => {
    for (const call of all({ ...run(0), ...fields })) expect(call).toThrow(`pmm cannot tell of ./mm: ${why}`);
  });

  describe('a run past the caps, whose figures are a lower bound', () => {
    const partial = (blocks: number, mismatchedFrees = 0): RunResult => ({ ...leaking(blocks), mismatchedFrees, droppedRecords: 5 });
    const why = 'pmm could not keep 5 of its allocations (past its caps): its figures are a lower bound';

    it('a kept leak is a leak: toHaveNoLeaks fails and toLeak() passes', () => {
      expect(matchers.toHaveNoLeaks(partial(2)).pass).toBe(false);
      expect(matchers.toLeak(partial(2)).pass).toBe(true);
      expect(matchers.toHaveMismatchedFrees(partial(0, 1)).pass).toBe(true);
    });

    it('no kept leak, or how much, is not known', () => {
      expect(() => matchers.toHaveNoLeaks(partial(0))).toThrow(`toHaveNoLeaks: pmm cannot tell of ./mm: ${why}`);
      expect(() => matchers.toLeak.call({ isNot: true }, partial(0))).toThrow(`toLeak: pmm cannot tell of ./mm: ${why}`);
      expect(() => matchers.toLeak(partial(2), { blocks: 2 })).toThrow(why);
      expect(() => matchers.toHaveMismatchedFrees(partial(0, 1), 1)).toThrow(why);
      expect(() => matchers.toHaveMismatchedFrees.call({ isNot: true }, partial(0))).toThrow(why);
    });
  });
});
