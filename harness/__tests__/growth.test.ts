import { DEFAULT_GROWTH, detectGrowth, judgeGrowth } from '../growth';
import { resolveGrowth } from '../runProgram';

const MiB = 1024 * 1024;
const ramp = (n: number, start: number, step: number): number[] => Array.from({ length: n }, (_, i) => start + i * step);

test.each([
  ['a steady staircase (a cache without a bound)', ramp(30, 8 * MiB, 320 * 1024), true],
  ['a warm-up, then flat', [8 * MiB, 12 * MiB, ...Array(28).fill(12 * MiB)], false],
  ['a late warm-up: one step a third of the way in, then flat', [...Array(10).fill(8 * MiB), ...Array(20).fill(14 * MiB)], false],
  ['flat with noise of a page either way', Array.from({ length: 30 }, (_, i) => 8 * MiB + (i % 2) * 4096), false],
  ['steady but below the noise floor', ramp(30, 8 * MiB, 4096), false],
  ['a sawtooth that always comes back down', Array.from({ length: 32 }, (_, i) => 8 * MiB + (i % 8) * MiB), false],
  ['growth with one dip', [...ramp(15, 8 * MiB, 512 * 1024), 10 * MiB, ...ramp(14, 16 * MiB, 512 * 1024)], true],
  ['shrinking', ramp(30, 40 * MiB, -MiB), false],
  // A program that frees everything at exit, one sample taken after its clean-up.
  ['a staircase whose last sample falls back at exit', [...ramp(29, 8 * MiB, 320 * 1024), 8 * MiB], true],
])('%s: growing is %s', (_name, values, growing) => {
  expect(detectGrowth('rss', values)?.growing).toBe(growing);
});

test('too few samples to judge give null, not a pass', () => {
  expect(detectGrowth('rss', ramp(10, 0, MiB))).toBeNull();
  expect(detectGrowth('rss', ramp(11, 0, MiB), { ...DEFAULT_GROWTH, minSamples: 8 })).not.toBeNull();
});

test('the verdict says why, with its figures', () => {
  const verdict = detectGrowth('rss', ramp(20, 0, MiB));
  expect(verdict).toEqual({ series: 'rss', growing: true, growthBytes: 14 * MiB, reason: expect.stringContaining('rss: 14680064 bytes over 15 samples after 5 of warm-up') });
});

test('judgeGrowth: any series growing is growth; none judged is null', () => {
  const flat = Array(30).fill(MiB);
  expect(judgeGrowth({ rss: flat, vm: ramp(30, 0, MiB), unmatched: flat }).growing).toBe(true);
  expect(judgeGrowth({ rss: flat, vm: flat, unmatched: flat })).toMatchObject({ growing: false, samples: 30 });
  expect(judgeGrowth({ rss: [1], vm: [1], unmatched: [0] })).toEqual({ growing: null, samples: 1, judged: 0, minSamples: 8, series: [] });
  // What the verdict says of too few: those after the warm-up (the first quarter, rounded up), against minSamples.
  expect(judgeGrowth({ rss: flat.slice(0, 10), vm: flat.slice(0, 10), unmatched: flat.slice(0, 10) })).toMatchObject({ growing: null, samples: 10, judged: 7, minSamples: 8 });
});

describe('the growth option, checked', () => {
  test.each([
    [{ warmupFraction: 1 }, 'pmm: option "growth.warmupFraction" must be below 1 (the part of the samples left out as warm-up), got 1'],
    [{ steadiness: 2 }, 'pmm: option "growth.steadiness" must be above 0 and at most 1 (the part of the steps that must not go down), got 2'],
    [{ steadiness: 0 }, 'pmm: option "growth.steadiness" must be above 0 and at most 1 (the part of the steps that must not go down), got 0'],
    [{ minSamples: -1 }, 'pmm: option "growth.minSamples" must be a non-negative number, got -1'],
    [{ stedyness: 1 }, /^pmm: unknown option "growth.stedyness"/],
    // pmm.ko samples at most every hour, and keeps a process's last 256 samples (192 judged after a quarter's warm-up).
    [{ intervalMs: 1e12 }, 'pmm: option "growth.intervalMs" must be an integer from 100 to 3600000, got 1000000000000'],
    [{ minSamples: 200 }, 'pmm: option "growth.minSamples" must be an integer from 4 (a sample for each quarter whose median is compared) to 192 (pmm.ko keeps a process\'s last 256 samples, the warm-up left out), got 200'],
    [{ minSamples: 2.5 }, 'pmm: option "growth.minSamples" must be an integer from 4 (a sample for each quarter whose median is compared) to 192 (pmm.ko keeps a process\'s last 256 samples, the warm-up left out), got 2.5'],
    // Below 4 it was taken, and did nothing: the trend needs a sample in each quarter.
    [{ minSamples: 2 }, 'pmm: option "growth.minSamples" must be an integer from 4 (a sample for each quarter whose median is compared) to 192 (pmm.ko keeps a process\'s last 256 samples, the warm-up left out), got 2'],
    [{ minSamples: 300, warmupFraction: 0 }, 'pmm: option "growth.minSamples" must be an integer from 4 (a sample for each quarter whose median is compared) to 256 (pmm.ko keeps a process\'s last 256 samples, the warm-up left out), got 300'],
  ])('%j is refused', (given, message) => {
    expect(() => resolveGrowth(given as never)).toThrow(message);
  });

  test('in range, it is taken over the defaults', () => {
    expect(resolveGrowth({ warmupFraction: 0.5, steadiness: 1 })?.detector).toEqual({ ...DEFAULT_GROWTH, warmupFraction: 0.5, steadiness: 1 });
  });
});
