// The matchers as Jest calls them: pass or not, the message, and which runs they declare expected.
import { leakMatchers } from '../matchers';
import type { Mismatch, RunResult } from '../types';

const mismatch: Mismatch = {
  allocation: { kind: 'new[]', size: 40, frames: [{ address: '0x1', function: 'make', file: '/src/m.cc', line: 3, object: null }] },
  release: { kind: 'delete', frames: [] },
  count: 2,
};

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
    // Checked, so expected: the environment does not fail the test for them, whether the matcher passed or not.
    expect(seen).toEqual([result]);
  });

  it('says what it wanted and what there was, with the mismatches', () => {
    const message = leakMatchers(() => {}).toHaveMismatchedFrees(run(2), 3).message();
    expect(message).toBe(
      'expected ./mm to make 3 mismatched free/deletes, but it made 2\n' +
        '2 blocks released by a mismatched free/delete in ./mm\n' +
        '  new[] block of 40 bytes released with delete (2 times)\n' +
        '    (no stack recorded for the delete)\n' +
        '  allocated with new[]\n' +
        '    at make (/src/m.cc:3)',
    );
    expect(leakMatchers(() => {}).toHaveMismatchedFrees(run(0)).message()).toBe('expected ./mm to make a mismatched free/delete, but it made 0');
  });

  it('refuses what is not a run', () => {
    const outcome = leakMatchers(() => {}).toHaveMismatchedFrees({ summary: {} }, 1);
    expect(outcome.pass).toBe(false);
    expect(outcome.message()).toBe('toHaveMismatchedFrees expects the result of pmm.run, got object');
  });

  it('toLeak acknowledges leaks only', () => {
    const leaks: RunResult[] = [];
    const mismatches: RunResult[] = [];
    leakMatchers((r) => leaks.push(r), (r) => mismatches.push(r)).toLeak(run(1));
    expect([leaks.length, mismatches.length]).toEqual([1, 0]);
  });
});
