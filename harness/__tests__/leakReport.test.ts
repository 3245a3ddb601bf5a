// Table tests for leak grouping, the summary, the seed article's log line and a failing test's message.

import {
  formatAmount,
  formatFrame,
  formatLeakMessage,
  LEAK_GROUPS_LISTED,
  formatSeedLog,
  framesDownToMain,
  groupLeaks,
  isBelowMain,
  leakFailureDetail,
  summarize,
} from '../leakReport';
import type {Frame, Leak, RawRecord} from '../types';

/** Nanoseconds since the epoch, as pmd sends them, for a UTC wall-clock time on some day. */
const at = (hours: number, minutes: number, seconds: number): string =>
  `${BigInt(Date.UTC(2025, 10, 26, hours, minutes, seconds)) * 1_000_000n + 987_654_321n}`;

const MAIN: Frame = {address: '0x55d0c6a0117a', function: 'main', file: '/src/leaky.c', line: 207, object: '/bin/leaky', offset: '0x117a'};
const HELPER: Frame = {address: '0x55d0c6a01100', function: 'make_buf', file: '/src/buf.c', line: 12, object: '/bin/leaky', offset: '0x1100'};
const LIBC: Frame = {address: '0x7f9869429d8f', function: '__libc_start_call_main', file: null, line: null, object: '/lib/libc.so.6', offset: '0x29d8f'};
const UNKNOWN: Frame = {address: '0x7f0000000010', function: null, file: null, line: null, object: '/gone/lib.so', offset: '0x10'};
const NOWHERE: Frame = {address: '0x10', function: null, file: null, line: null, object: null, offset: null};

function record(kind: RawRecord['kind'], size: number, frames: readonly Frame[], extra: Partial<RawRecord> = {}): RawRecord {
  return {kind, ptr: '0x5581a0c2b2a0', prevPtr: '0x0', size, timeNs: at(6, 57, 11), frames: frames.map(f => f.address), ...extra};
}

describe('groupLeaks', () => {
  const viaHelper = [HELPER, MAIN, LIBC];
  const direct = [MAIN, LIBC];

  it.each<[string, RawRecord[], Leak[]]>([
    ['no records', [], []],
    ['one record', [record('malloc', 100, direct)], [{bytes: 100, blocks: 1, kinds: ['malloc'], frames: direct}]],
    [
      'same stack adds up, kinds listed once in order seen',
      [record('malloc', 10, direct), record('realloc', 20, direct), record('malloc', 30, direct)],
      [{bytes: 60, blocks: 3, kinds: ['malloc', 'realloc'], frames: direct}],
    ],
    [
      'different stacks stay apart, largest first',
      [record('malloc', 10, direct), record('calloc', 64, viaHelper), record('malloc', 10, direct)],
      [
        {bytes: 64, blocks: 1, kinds: ['calloc'], frames: viaHelper},
        {bytes: 20, blocks: 2, kinds: ['malloc'], frames: direct},
      ],
    ],
    [
      'equal bytes: more blocks first, then first seen',
      [record('malloc', 40, [MAIN]), record('malloc', 20, [HELPER]), record('malloc', 20, [HELPER]), record('malloc', 40, [LIBC])],
      [
        {bytes: 40, blocks: 2, kinds: ['malloc'], frames: [HELPER]},
        {bytes: 40, blocks: 1, kinds: ['malloc'], frames: [MAIN]},
        {bytes: 40, blocks: 1, kinds: ['malloc'], frames: [LIBC]},
      ],
    ],
  ])('%s', (_name, records, expected) => {
    const framesPerRecord = records.map(r => r.frames.map(address => [MAIN, HELPER, LIBC].find(f => f.address === address)!));
    expect(groupLeaks(records, framesPerRecord)).toEqual(expected);
  });

  it("groups by addresses, not by the arrays given: shared frames of records whose addresses differ stay apart", () => {
    // The symbolizer shares one array among records of one stack; groupLeaks must not trust that alone.
    const shared = [MAIN, LIBC];
    const records = [record('malloc', 10, [MAIN, LIBC]), record('malloc', 20, [HELPER, LIBC]), record('malloc', 30, [MAIN, LIBC])];
    const leaks = groupLeaks(records, [shared, shared, shared]);
    expect(leaks.map(({bytes, blocks}) => ({bytes, blocks}))).toEqual([{bytes: 40, blocks: 2}, {bytes: 20, blocks: 1}]);
  });

  it('adds up records that share both their addresses and their frames, as those that share neither', () => {
    const addresses = [MAIN.address, LIBC.address];
    const frames = [MAIN, LIBC];
    const shared = Array.from({length: 3}, (_, i) => record('malloc', i + 1, frames, {frames: addresses}));
    const apart = Array.from({length: 3}, (_, i) => record('malloc', i + 1, frames));
    expect(groupLeaks(shared, shared.map(() => frames))).toEqual(groupLeaks(apart, apart.map(() => [...frames])));
    expect(groupLeaks(shared, shared.map(() => frames))).toEqual([{bytes: 6, blocks: 3, kinds: ['malloc'], frames}]);
  });

  it('keeps raw addresses as unknown frames when a record has no symbolized frames', () => {
    const leaks = groupLeaks([record('malloc', 8, [MAIN])], []);
    expect(leaks[0].frames).toEqual([{address: MAIN.address, function: null, file: null, line: null, object: null}]);
  });
});

describe('summarize and formatAmount', () => {
  it.each([
    [[], {bytes: 0, blocks: 0}, '0 bytes in 0 blocks'],
    [[{bytes: 1, blocks: 1, kinds: ['malloc'], frames: []}], {bytes: 1, blocks: 1}, '1 byte in 1 block'],
    [
      [
        {bytes: 100, blocks: 2, kinds: ['malloc'], frames: []},
        {bytes: 28, blocks: 1, kinds: ['realloc'], frames: []},
      ],
      {bytes: 128, blocks: 3},
      '128 bytes in 3 blocks',
    ],
  ] as Array<[Leak[], {bytes: number; blocks: number}, string]>)('%j', (leaks, summary, text) => {
    expect(summarize(leaks)).toEqual(summary);
    expect(formatAmount(summarize(leaks))).toBe(text);
  });
});

describe('formatFrame', () => {
  it.each([
    [MAIN, 'by main (/src/leaky.c:207)'],
    [{...MAIN, line: null}, 'by main (/src/leaky.c)'],
    [LIBC, 'by __libc_start_call_main (/lib/libc.so.6+0x29d8f)'],
    [UNKNOWN, 'by 0x7f0000000010 (/gone/lib.so+0x10)'],
    [{...UNKNOWN, offset: undefined}, 'by 0x7f0000000010 (/gone/lib.so)'],
    [NOWHERE, 'by 0x10 (??)'],
  ])('%j', (frame, expected) => {
    expect(formatFrame(frame)).toBe(expected);
  });
});

describe('framesDownToMain', () => {
  const START: Frame = {...LIBC, address: '0x7f9869429e40', function: '__libc_start_main', offset: '0x29e40'};
  const THREAD: Frame = {...LIBC, address: '0x7f9869494ac3', function: 'start_thread', offset: '0x94ac3'};

  it('ends a stack at main, as valgrind does; one without main (a thread\'s) is whole', () => {
    expect(framesDownToMain([UNKNOWN, MAIN, LIBC, NOWHERE])).toEqual([UNKNOWN, MAIN]);
    expect(framesDownToMain([HELPER, THREAD, NOWHERE])).toEqual([HELPER, THREAD, NOWHERE]);
    expect(framesDownToMain([])).toEqual([]);
  });

  it('where main has no name (a stripped program), ends it at the C library\'s frame that called main, as valgrind does', () => {
    expect(framesDownToMain([UNKNOWN, NOWHERE, LIBC, START, NOWHERE])).toEqual([UNKNOWN, NOWHERE, LIBC]);
    expect(framesDownToMain([UNKNOWN, START, NOWHERE])).toEqual([UNKNOWN, START]);
  });
});

describe('isBelowMain', () => {
  it.each([
    ['__libc_start_call_main', true],
    ['__libc_start_main', true],
    ['__libc_start_main.isra.0', true],
    ['generic_start_main', true],
    ['__libc_start_mainly', false],
    ['main', false],
    ['_start', false],
    [null, false],
  ])('%s: %s', (name, expected) => {
    expect(isBelowMain(name)).toBe(expected);
  });
});

describe('formatSeedLog', () => {
  it.each([
    [
      'malloc, as in the article',
      record('malloc', 100, [MAIN, LIBC], {ptr: '0x55d0c8a2b2a0'}),
      [MAIN, LIBC],
      [
        '{MALLOC @06:57:11} Sz: 100B Pointer: 0x55d0c8a2b2a0 Caller: 0x55d0c6a0117a main() 207 leaky.c',
        // Down to main, as valgrind shows a stack: the C library's start-up below it is left out.
        '    by main (/src/leaky.c:207)',
      ],
    ],
    [
      'realloc shows the previous pointer',
      record('realloc', 200, [MAIN], {ptr: '0x55d0c8a2b6d0', prevPtr: '0x55d0c8a2b2a0', timeNs: at(6, 57, 21)}),
      [MAIN],
      [
        '{REALLOC @06:57:21} Sz: 200B Prev Pointer: 0x55d0c8a2b2a0 Pointer: 0x55d0c8a2b6d0 Caller: 0x55d0c6a0117a main() 207 leaky.c',
        '    by main (/src/leaky.c:207)',
      ],
    ],
    [
      'calloc with an unknown caller, just before midnight',
      record('calloc', 16, [UNKNOWN], {timeNs: at(23, 59, 59)}),
      [UNKNOWN],
      [
        '{CALLOC @23:59:59} Sz: 16B Pointer: 0x5581a0c2b2a0 Caller: 0x7f0000000010 ?? ?? ??',
        '    by 0x7f0000000010 (/gone/lib.so+0x10)',
      ],
    ],
    [
      'no stack and a bad time',
      record('malloc', 1, [], {timeNs: 'soon'}),
      [],
      ['{MALLOC @??:??:??} Sz: 1B Pointer: 0x5581a0c2b2a0 Caller: ?? ?? ?? ??'],
    ],
  ])('%s', (_name, raw, frames, lines) => {
    expect(formatSeedLog(raw, frames)).toBe(lines.join('\n'));
  });

  // A demangled C++ name already has its parameter list; a C name, or one with only a namespace's "(", gets "()".
  it.each([
    ['aligned_leak()', 'aligned_leak()'],
    ['counter(int)', 'counter(int)'],
    ['Tree::size() const', 'Tree::size() const'],
    ['(anonymous namespace)::grow(unsigned long)', '(anonymous namespace)::grow(unsigned long)'],
    ['(anonymous namespace)::grow', '(anonymous namespace)::grow()'],
    ['make_buf', 'make_buf()'],
  ])('the caller %s is written %s', (name, written) => {
    const caller: Frame = {...MAIN, function: name, file: '/src/mm.cc', line: 37};
    const head = formatSeedLog(record('new', 8, [caller]), [caller]).split('\n')[0];
    expect(head).toBe(`{NEW @06:57:11} Sz: 8B Pointer: 0x5581a0c2b2a0 Caller: 0x55d0c6a0117a ${written} 37 mm.cc`);
  });
});

describe('formatLeakMessage and leakFailureDetail', () => {
  const leaks: Leak[] = [
    {bytes: 300, blocks: 3, kinds: ['malloc', 'realloc'], frames: [HELPER, MAIN]},
    {bytes: 1, blocks: 1, kinds: ['calloc'], frames: [UNKNOWN, NOWHERE]},
    {bytes: 8, blocks: 1, kinds: ['malloc'], frames: []},
  ];
  const message = [
    '309 bytes in 5 blocks leaked by ./leaky',
    '  300 bytes in 3 blocks (malloc, realloc)',
    '    by make_buf (/src/buf.c:12)',
    '    by main (/src/leaky.c:207)',
    '  1 byte in 1 block (calloc)',
    '    by 0x7f0000000010 (/gone/lib.so+0x10)',
    '    by 0x10 (??)',
    '  8 bytes in 1 block (malloc)',
    '    (no stack recorded)',
  ].join('\n');

  it('lists every group under the headline', () => {
    expect(formatLeakMessage(leaks, summarize(leaks), './leaky')).toBe(message);
  });

  it(`lists the largest ${LEAK_GROUPS_LISTED} groups, and what the others add up to`, () => {
    const many: Leak[] = Array.from({length: LEAK_GROUPS_LISTED + 3}, (_, i) => ({bytes: 1000 - i, blocks: 2, kinds: ['malloc'], frames: [MAIN]}));
    const lines = formatLeakMessage(many, summarize(many), './leaky').split('\n');
    expect(lines).toHaveLength(1 + 2 * LEAK_GROUPS_LISTED + 1);
    expect(lines[lines.length - 3]).toBe(`  ${1000 - LEAK_GROUPS_LISTED + 1} bytes in 2 blocks (malloc)`);
    const rest = (1000 - LEAK_GROUPS_LISTED) + (999 - LEAK_GROUPS_LISTED) + (998 - LEAK_GROUPS_LISTED);
    expect(lines[lines.length - 1]).toBe(`  and 3 more stacks with ${rest} bytes in 6 blocks (the run's leaks list has them all)`);
    const one = many.slice(0, LEAK_GROUPS_LISTED + 1);
    expect(formatLeakMessage(one, summarize(one), './leaky').split('\n').pop()).toBe(`  and 1 more stack with ${1000 - LEAK_GROUPS_LISTED} bytes in 2 blocks (the run's leaks list has them all)`);
  });

  it('builds a plain, JSON-safe failure detail', () => {
    const detail = leakFailureDetail({program: './leaky', leaks, summary: summarize(leaks)});
    expect(detail).toEqual({
      name: 'MemoryLeak',
      message: '309 bytes in 5 blocks leaked by ./leaky',
      stack: message,
      pmmLeak: {program: './leaky', summary: {bytes: 309, blocks: 5}, leaks},
    });
    expect(JSON.parse(JSON.stringify(detail))).toEqual(detail);
    expect(detail.pmmLeak.leaks[0]).not.toBe(leaks[0]); // a copy: later changes to the run do not leak in
  });
});
