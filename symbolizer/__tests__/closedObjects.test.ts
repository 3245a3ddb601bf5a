import { closedBefore, closedTimes, mapsAt, recordTime } from '../closedObjects';
import { findObject, parseObjectMap } from '../objectMap';

// libb.so mapped where liba.so was, after liba.so was closed at 100; libb.so closed at 200 in turn.
const text = [
  '5000-6000 r-xp 00000000 fe:00 1 /bin/prog',
  'closed 200',
  '7000-8000 r-xp 00000000 fe:00 3 /lib/libb.so',
  'closed 100',
  '7000-8000 r-xp 00000000 fe:00 2 /lib/liba.so',
  'exec /bin/next',
  '',
].join('\n');

const holderAt = (timeNs: bigint, address: bigint): string | null =>
  findObject(parseObjectMap(mapsAt(text, timeNs)), address)?.path ?? null;

test('a record made before a close finds the object closed then, one made after finds the later one', () => {
  expect(holderAt(50n, 0x7100n)).toBe('/lib/liba.so');
  expect(holderAt(150n, 0x7100n)).toBe('/lib/libb.so');
  // After both closes (a frame there cannot be): still an object, the latest closed first as sent.
  expect(holderAt(250n, 0x7100n)).toBe('/lib/libb.so');
  expect(holderAt(50n, 0x5100n)).toBe('/bin/prog');
});

test('the exec line stays last, and every line is kept', () => {
  const lines = mapsAt(text, 150n).trimEnd().split('\n');
  expect(lines[lines.length - 1]).toBe('exec /bin/next');
  expect(lines).toHaveLength(4);
});

test('the close times, sorted, and how many are at or before a time', () => {
  const times = closedTimes(text);
  expect(times).toEqual([100n, 200n]);
  expect([0n, 99n, 100n, 150n, 200n, 999n].map((t) => closedBefore(times, t))).toEqual([0, 0, 1, 1, 2, 2]);
  expect(closedTimes('5000-6000 r-xp 00000000 fe:00 1 /bin/prog\n')).toEqual([]);
});

test("a record's time: a positive decimal, else none", () => {
  expect(recordTime('1795826213566605082')).toBe(1795826213566605082n);
  expect(recordTime('0')).toBeNull();
  expect(recordTime('')).toBeNull();
  expect(recordTime('12x')).toBeNull();
});
