// Growth mode's inputs, pure: the series a run's samples give. RSS and VM come straight from pmthread's
// samples. Unmatched bytes are replayed from the records' times, and pmd sends only the allocations that were
// never freed: the series shows memory that was kept to the end, not memory that was freed at exit.
import type { MemorySample, RawRecord } from './types';

export interface GrowthSeries {
  rss: number[];
  vm: number[];
  unmatched: number[];
}

export function growthSeries(samples: readonly MemorySample[], records: readonly RawRecord[]): GrowthSeries {
  const times = records.map((r) => ({ t: BigInt(r.timeNs), size: r.size })).sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  let next = 0;
  let live = 0;
  const unmatched = samples.map((sample) => {
    const t = BigInt(sample.timeNs);
    while (next < times.length && times[next].t <= t) live += times[next++].size;
    return live;
  });
  return { rss: samples.map((s) => s.rssBytes), vm: samples.map((s) => s.vmBytes), unmatched };
}

/** The interval pmthread samples at, from /proc/pmm/cfg's text; null when the line is not there. */
export function parseSampleInterval(cfg: string): number | null {
  const match = /\["INTERVAL" \(Scan Interval\) :=(\d+)\]/.exec(cfg);
  return match ? Number(match[1]) : null;
}
