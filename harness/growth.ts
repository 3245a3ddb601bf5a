// Growth mode's detector, pure: does a series of memory figures grow steadily once a warm-up is over?
// A leak in a long-running program shows as a staircase that never levels off; a warm-up shows as one
// step and then a flat line, which must not count.
import type { GrowthVerdict, SeriesVerdict } from './types';

export interface GrowthOptions {
  /** Leading share of the samples treated as warm-up and not judged (0 ≤ f < 1). */
  warmupFraction: number;
  /** Fewer judged samples than this and nothing is concluded. */
  minSamples: number;
  /** Growth over the judged samples below this is noise, whatever its shape. */
  minGrowthBytes: number;
  /** Share of sample-to-sample steps that must not go down (0 < s ≤ 1). */
  steadiness: number;
}

export const DEFAULT_GROWTH: GrowthOptions = {
  // A quarter: a warm-up is what a program does first, and three quarters are left to show a trend.
  warmupFraction: 0.25,
  minSamples: 8,
  minGrowthBytes: 1024 * 1024,
  steadiness: 0.75,
};

/** The fewest samples the detector can judge: one for each quarter whose median is compared. */
export const MIN_JUDGED_SAMPLES = 4;

/** Where the judged samples start: after the warm-up. */
const judgedFrom = (samples: number, warmupFraction: number): number => Math.ceil(samples * warmupFraction);

/** How many of a series' samples are judged: those after the warm-up. */
export const judgedCount = (samples: number, warmupFraction: number): number => samples - judgedFrom(samples, warmupFraction);

/** The fewest samples judged: minSamples, and MIN_JUDGED_SAMPLES at least. */
const fewestJudged = (options: GrowthOptions): number => Math.max(options.minSamples, MIN_JUDGED_SAMPLES);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Steady growth: after the warm-up, each quarter's median is above the one before (a single step, like a
 * warm-up that came late, fails this), most steps do not go down, and the total is above the noise floor.
 * null when there are too few samples to say.
 */
export function detectGrowth(
  series: SeriesVerdict['series'],
  values: readonly number[],
  options: GrowthOptions = DEFAULT_GROWTH,
): SeriesVerdict | null {
  const judged = values.slice(judgedFrom(values.length, options.warmupFraction));
  if (judged.length < fewestJudged(options)) return null;
  const quarter = judged.length / 4;
  const medians = [0, 1, 2, 3].map((q) => median(judged.slice(Math.round(q * quarter), Math.round((q + 1) * quarter))));
  const rising = medians.every((m, q) => q === 0 || m > medians[q - 1]);
  const steps = judged.slice(1).map((v, i) => v - judged[i]);
  const steady = steps.filter((step) => step >= 0).length / steps.length;
  // From the first judged sample to the last; or, when the last fell (a sample taken while the program
  // freed everything on its way out), from the first quarter's median to the last quarter's.
  const growthBytes = Math.max(judged[judged.length - 1] - judged[0], medians[3] - medians[0]);
  const growing = rising && steady >= options.steadiness && growthBytes >= options.minGrowthBytes;
  const reason =
    `${series}: ${growthBytes} bytes over ${judged.length} samples after ${values.length - judged.length} of warm-up; ` +
    `quarter medians ${medians.map((m) => Math.round(m)).join(' → ')}${rising ? ' (rising)' : ''}; ` +
    `${Math.round(steady * 100)}% of steps not down`;
  return { series, growing, reason, growthBytes };
}

/** Every series judged; growing when any grew steadily, null when none had enough samples. */
export function judgeGrowth(
  series: Readonly<Record<SeriesVerdict['series'], readonly number[]>>,
  options: GrowthOptions = DEFAULT_GROWTH,
): GrowthVerdict {
  const names: Array<SeriesVerdict['series']> = ['rss', 'vm', 'unmatched'];
  const verdicts = names.map((name) => detectGrowth(name, series[name], options)).filter((v): v is SeriesVerdict => v !== null);
  const samples = series.rss.length;
  return {
    growing: verdicts.length === 0 ? null : verdicts.some((v) => v.growing),
    samples,
    judged: judgedCount(samples, options.warmupFraction),
    minSamples: fewestJudged(options),
    series: verdicts,
  };
}
