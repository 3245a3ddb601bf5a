import { stderrTail, TAIL_BYTES } from '../stderrTail';

const bytesOf = (lines: string[]): number => Buffer.byteLength(lines.join('\n'));

test.each([
  ['nothing', '', 10, []],
  ['blank space', ' \n\t\n', 10, []],
  ['fewer lines than asked, trailing newlines dropped', 'one\ntwo\n\n', 10, ['one', 'two']],
  ['the last lines asked for', 'one\ntwo\nthree\nfour\n', 3, ['two', 'three', 'four']],
  ['a line of exactly TAIL_BYTES bytes, whole', `${'x'.repeat(TAIL_BYTES)}\n`, 10, ['x'.repeat(TAIL_BYTES)]],
  ['a line a byte longer, cut', 'y'.repeat(TAIL_BYTES + 1), 10, [`…${'y'.repeat(TAIL_BYTES)}`]],
] as const)('%s', (_what, stderr, lines, expected) => {
  expect(stderrTail(stderr, lines)).toEqual(expected);
});

test('10 MiB without a newline: its last TAIL_BYTES bytes, after "…"', () => {
  const tail = stderrTail(`${'x'.repeat(10 << 20)}end`, 10);
  expect(tail).toHaveLength(1);
  expect(tail[0].startsWith('…x')).toBe(true);
  expect(tail[0].endsWith('xend')).toBe(true);
  expect(bytesOf(tail)).toBe(TAIL_BYTES + Buffer.byteLength('…'));
});

test('long lines: the bytes cap the lines too, and the last lines stay whole', () => {
  const line = 'z'.repeat(1000);
  const tail = stderrTail(`${line}\n`.repeat(10), 10);
  expect(tail.slice(1)).toEqual([line, line, line, line]);
  expect(tail[0]).toMatch(/^…z+$/);
  expect(bytesOf(tail)).toBeLessThanOrEqual(TAIL_BYTES + Buffer.byteLength('…'));
});

test.each([
  ['two-byte', 'é'],
  ['three-byte', '€'],
  ['four-byte (a surrogate pair in JavaScript)', '😀'],
])('the cut falls between %s characters, never inside one', (_what, char) => {
  const tail = stderrTail(char.repeat(TAIL_BYTES), 10);
  expect(tail).toHaveLength(1);
  expect(tail[0]).toMatch(new RegExp(`^…(?:${char})+$`, 'u'));
  expect(tail[0]).not.toContain('\uFFFD');
  expect(Buffer.byteLength(tail[0].slice(1))).toBeLessThanOrEqual(TAIL_BYTES);
  expect(Buffer.byteLength(tail[0].slice(1))).toBeGreaterThan(TAIL_BYTES - Buffer.byteLength(char));
});
