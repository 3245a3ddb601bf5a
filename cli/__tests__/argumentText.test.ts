// Arguments that are not UTF-8 text: read as they are, and refused, naming which.
import { argumentsNotText } from '../argumentText';

/** /proc/self/cmdline as node would have it for pmm given args (NUL after each). */
const cmdline = (...args: Buffer[]): (() => Buffer) => () =>
  Buffer.concat([Buffer.from('node\0/x/pmm.js\0'), ...args.flatMap((arg) => [arg, Buffer.from('\0')])]);

test('arguments that are text pass, a U+FFFD of their own too, without /proc being read', () => {
  expect(argumentsNotText(['run', '--', './p', 'é'], () => { throw new Error('read'); })).toBeNull();
  expect(argumentsNotText(['run', '\uFFFD'], cmdline(Buffer.from('run'), Buffer.from('\uFFFD')))).toBeNull();
});

test('a byte that is not UTF-8 is named with its argument', () => {
  const bad = Buffer.from([0x61, 0xfe]);
  expect(argumentsNotText(['run', '--', './p', 'a\uFFFD'], cmdline(Buffer.from('run'), Buffer.from('--'), Buffer.from('./p'), bad))).toBe(
    'the command line\'s argument 4 ("a\uFFFD") is not UTF-8 text: pmm receives its arguments as text and cannot pass it on as it is',
  );
});

test('an empty argument keeps its place', () => {
  expect(argumentsNotText(['', 'x\uFFFD'], cmdline(Buffer.from(''), Buffer.from([0x78, 0xff])))).toContain("argument 2 (");
});
