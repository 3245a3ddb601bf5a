import { suppressionFor, suppressionsFor } from '../suppressionFor';
import { isSuppressed, parseSuppressions } from '../suppressions';
import type { Frame, Leak } from '../types';

const fn = (name: string, object = '/usr/bin/prog'): Frame => ({ address: '0x1', function: name, file: null, line: null, object });
const unknown: Frame = { address: '0x2', function: null, file: null, line: null, object: null };
const start = [fn('__libc_start_call_main', '/lib/libc.so.6'), fn('__libc_start_main', '/lib/libc.so.6'), fn('_start')];

const leak = (frames: Frame[], kinds: Leak['kinds'] = ['malloc']): Leak => ({ bytes: 48, blocks: 2, kinds, frames });

test('a leak in valgrind\'s format: the allocator first, then the stack down to main', () => {
  expect(suppressionFor(leak([fn('make_node'), fn('main'), ...start]))).toBe(
    ['{', '   <pmm: 48 bytes in 2 blocks leaked at make_node>', '   Memcheck:Leak', '   fun:malloc', '   fun:make_node', '   fun:main', '}'].join('\n'),
  );
});

// Without symbols main has no name: valgrind's stack ends at the C library's frame that called it, which it
// names "(below main)", in its stacks and the suppressions it writes.
test("a stripped program's leak ends at \"(below main)\", as valgrind writes it; pmm takes valgrind's back", () => {
  const stripped: Frame = { address: '0x3', function: null, file: null, line: null, object: '/usr/bin/prog' };
  const frames = [stripped, stripped, ...start];
  const text = suppressionFor(leak(frames));
  expect(text.split('\n').slice(3, -1)).toEqual(['   fun:malloc', '   obj:/usr/bin/prog', '   obj:/usr/bin/prog', '   fun:(below main)']);
  expect(isSuppressed(leak(frames), parseSuppressions(`${text}\n`))).toBe(true);
  const valgrinds = '{\n   <insert_a_suppression_name_here>\n   Memcheck:Leak\n   match-leak-kinds: definite\n   fun:malloc\n   obj:/usr/bin/prog\n   obj:/usr/bin/prog\n   fun:(below main)\n}\n';
  expect(isSuppressed(leak(frames), parseSuppressions(valgrinds))).toBe(true);
  expect(isSuppressed(leak([stripped, fn('deflate', '/lib/libz.so.1'), ...start]), parseSuppressions(valgrinds))).toBe(false);
});

// valgrind names operator new as the linker does (_Znwm, _ZnwmSt11align_val_t...): a glob takes each variant.
test.each([
  ['new', 'fun:_Znw*'],
  ['new[]', 'fun:_Zna*'],
  ['calloc', 'fun:calloc'],
] as const)('a %s block starts in %s', (kind, line) => {
  expect(suppressionFor(leak([fn('f'), fn('main')], [kind])).split('\n')[3]).toBe(`   ${line}`);
});

test("a frame is named as valgrind names it when that name is known (C++'s mangled), else as shown", () => {
  const member = { ...fn('shop::Basket::fill(int)'), valgrindName: '_ZN4shop6Basket4fillEi' };
  expect(suppressionFor(leak([member, fn('main')], ['new'])).split('\n').slice(3, 6)).toEqual(['   fun:_Znw*', '   fun:_ZN4shop6Basket4fillEi', '   fun:main']);
});

test.each([
  ['valgrind writes (mangled)', 'fun:_Znwm\n   fun:_ZN4shop6Basket4fillEi', true],
  ['an aligned new, as valgrind writes it', 'fun:_ZnwmSt11align_val_t\n   fun:_ZN4shop6Basket4fillEi', true],
  ['pmm wrote before (readable)', 'fun:operator new(unsigned long)\n   fun:shop::Basket::fill(int)', true],
  ['another function', 'fun:_Znwm\n   fun:_ZN4shop6Basket5emptyEv', false],
  ['new[] for a new block', 'fun:_Znam\n   fun:_ZN4shop6Basket4fillEi', false],
])('a C++ leak is matched by a suppression as %s: %p', (_name, frames, expected) => {
  const member = { ...fn('shop::Basket::fill(int)'), valgrindName: '_ZN4shop6Basket4fillEi' };
  const text = `{\n   name\n   Memcheck:Leak\n   ${frames}\n}\n`;
  expect(isSuppressed(leak([member, fn('main')], ['new']), parseSuppressions(text))).toBe(expected);
});

test('a group of several kinds starts at the caller; a frame without a function is its object, an unknown one "..."', () => {
  const text = suppressionFor(leak([fn('f'), { ...fn('x', '/lib/libz.so.1'), function: null }, unknown, unknown, fn('g'), fn('main')], ['malloc', 'realloc']));
  expect(text.split('\n').slice(3, -1)).toEqual(['   fun:f', '   obj:/lib/libz.so.1', '   ...', '   fun:g', '   fun:main']);
});

test('a deep stack is cut at 12 lines, as valgrind\'s are', () => {
  const frames = Array.from({ length: 30 }, (_, i) => fn(`f${i}`));
  const lines = suppressionFor(leak(frames)).split('\n').slice(3, -1);
  expect(lines).toEqual(['   fun:malloc', ...frames.slice(0, 11).map((f) => `   fun:${f.function}`)]);
});

test('read back, each suppresses the leak it was made from, and not another', () => {
  const leaks = [
    leak([fn('make_node'), fn('main'), ...start]),
    leak([fn('parse'), unknown, fn('main')], ['new']),
    leak([{ ...fn('x', '/lib/libz.so.1'), function: null }, fn('worker'), fn('start_thread', '/lib/libc.so.6')], ['malloc', 'calloc']),
    leak(Array.from({ length: 30 }, (_, i) => fn(`deep${i}`))),
  ];
  for (const made of leaks) {
    const suppressions = parseSuppressions(suppressionFor(made), 'generated.supp');
    expect(leaks.map((l) => isSuppressed(l, suppressions))).toEqual(leaks.map((l) => l === made));
  }
});

test('a leak without a stack (--num-callers 0) gets no suppression, which would match every leak, and a line that says so', () => {
  const unstacked = leak([], ['malloc', 'realloc']);
  expect(suppressionsFor([unstacked, { ...unstacked, kinds: ['malloc'] }, leak([fn('f'), fn('main')])])).toEqual([
    'pmm: no suppression for 2 leaks without a stack (--num-callers 0, or PMM_STACK_DEPTH=0): one would match every leak',
    expect.stringMatching(/^\{\n.*\n   Memcheck:Leak\n   fun:malloc\n   fun:f\n   fun:main\n\}$/),
  ]);
});

test('a run\'s leaks with one stack give one suppression', () => {
  const one = leak([fn('f'), fn('main')]);
  expect(suppressionsFor([one, { ...one, bytes: 7, blocks: 1 }, leak([fn('g'), fn('main')])])).toHaveLength(2);
});

test("a thread's stack, which ends in clone3 here and in clone under valgrind, ends in fun:clone*, which both read", () => {
  const inThread = leak([fn('worker'), fn('start_thread', '/lib/libc.so.6'), fn('clone3', '/lib/libc.so.6')]);
  const text = suppressionFor(inThread);
  expect(text.split('\n').slice(3, 7)).toEqual(['   fun:malloc', '   fun:worker', '   fun:start_thread', '   fun:clone*']);
  expect(isSuppressed(inThread, parseSuppressions(text))).toBe(true);
});

test('a mismatched release in valgrind\'s format: the releasing function first, then the release\'s stack', () => {
  const mismatch = { allocation: { kind: 'new[]' as const, size: 8, frames: [fn('make')] }, release: { kind: 'delete' as const, frames: [fn('drop'), fn('main'), ...start] }, count: 2 };
  expect(suppressionsFor([], [mismatch])).toEqual([
    ['{', '   <pmm: new[] block released by delete at drop>', '   Memcheck:Free', '   fun:_ZdlPv*', '   fun:drop', '   fun:main', '}'].join('\n'),
  ]);
});

// C lets a function be called `constructor` or `valueOf`: the names valgrind writes otherwise were looked up
// in a plain object, whose own properties those are, and the suppression said `fun:*` (any function).
test.each(['constructor', 'valueOf', 'toString', '__proto__', 'hasOwnProperty'])('a function named %s is named as it is, and its suppression matches it only', (name) => {
  const text = suppressionFor(leak([fn(name), fn('main')]));
  expect(text.split('\n').slice(3, 6)).toEqual(['   fun:malloc', `   fun:${name}`, '   fun:main']);
  expect(isSuppressed(leak([fn(name), fn('main')]), parseSuppressions(text))).toBe(true);
  expect(isSuppressed(leak([fn('other'), fn('main')]), parseSuppressions(text))).toBe(false);
});
