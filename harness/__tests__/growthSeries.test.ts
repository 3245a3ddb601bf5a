import { growthSeries, parseSampleInterval } from '../growthSeries';
import type { RawRecord } from '../types';

const record = (timeNs: string, size: number): RawRecord => ({ kind: 'malloc', ptr: '0x1', prevPtr: '0x0', size, timeNs, frames: [] });

test('unmatched bytes at each sample are the never-freed records made by then, in any order', () => {
  const samples = [
    { timeNs: '1000', vmBytes: 10, rssBytes: 1 },
    { timeNs: '2000', vmBytes: 20, rssBytes: 2 },
    { timeNs: '3000', vmBytes: 30, rssBytes: 3 },
  ];
  const records = [record('2500', 100), record('999', 1), record('2000', 10), record('9000', 1000)];
  expect(growthSeries(samples, records)).toEqual({ rss: [1, 2, 3], vm: [10, 20, 30], unmatched: [1, 11, 111] });
});

test('times beyond 2^53 ns compare exactly', () => {
  const samples = [{ timeNs: '1764115200000000001', vmBytes: 0, rssBytes: 0 }];
  expect(growthSeries(samples, [record('1764115200000000002', 5)]).unmatched).toEqual([0]);
});

test.each([
  ['["INTERVAL" (Scan Interval) :=10000]\n["SCAN" (Scan enabled) :=1]\n', 10000],
  ['["INTERVAL" (Scan Interval) :=100]', 100],
  ['nothing here', null],
])('the interval in %j is %s', (cfg, interval) => {
  expect(parseSampleInterval(cfg)).toBe(interval);
});
