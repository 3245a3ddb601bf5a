// Table tests for mismatched releases: grouping, the failing test's message, the CLI's valgrind-style lines
// and the failure detail.

import {
  countMismatches,
  describeMismatch,
  formatMismatchHeadline,
  formatMismatchMessage,
  formatValgrindMismatch,
  groupMismatches,
  mismatchFailureDetail,
  mismatchKey,
  rawMismatchKey,
  type MismatchFrames,
} from '../mismatchReport';
import type {Frame, Mismatch, RawMismatch} from '../types';

const frame = (address: string, fn: string, line: number): Frame => ({
  address,
  function: fn,
  file: '/src/mm.cc',
  line,
  object: '/bin/mm',
  offset: address,
});
const NEW_SITE = frame('0x1100', 'make_array', 7);
const DELETE_SITE = frame('0x1200', 'drop_array', 12);
const MAIN = frame('0x1300', 'main', 40);
const LIBC: Frame = {address: '0x7f0000029d90', function: null, file: null, line: null, object: '/lib/libc.so.6', offset: '0x29d90'};

function raw(allocation: RawMismatch['allocation']['kind'], release: RawMismatch['release']['kind'], size: number, allocFrames: Frame[], releaseFrames: Frame[]): RawMismatch {
  return {
    ptr: '0x4172b0',
    size,
    allocation: {kind: allocation, frames: allocFrames.map(f => f.address)},
    release: {kind: release, frames: releaseFrames.map(f => f.address)},
  };
}

describe('groupMismatches', () => {
  const arrayByDelete = raw('new[]', 'delete', 40, [NEW_SITE, MAIN], [DELETE_SITE, MAIN]);
  const framesOf = (m: RawMismatch, all: Frame[]): MismatchFrames => ({
    allocation: m.allocation.frames.map(a => all.find(f => f.address === a)!),
    release: m.release.frames.map(a => all.find(f => f.address === a)!),
  });
  const all = [NEW_SITE, DELETE_SITE, MAIN];

  it.each<[string, RawMismatch[], Array<[string, number]>]>([
    ['none', [], []],
    ['one', [arrayByDelete], [['new[] block of 40 bytes released with delete', 1]]],
    ['the same twice: one entry, count 2', [arrayByDelete, {...arrayByDelete, ptr: '0x9'}], [['new[] block of 40 bytes released with delete', 2]]],
    [
      'another size, release kind or stack: entries of their own, in the order first seen',
      [
        arrayByDelete,
        {...arrayByDelete, size: 41},
        raw('new[]', 'free', 40, [NEW_SITE, MAIN], [DELETE_SITE, MAIN]),
        raw('new[]', 'delete', 40, [NEW_SITE, MAIN], []),
        arrayByDelete,
      ],
      [
        ['new[] block of 40 bytes released with delete', 2],
        ['new[] block of 41 bytes released with delete', 1],
        ['new[] block of 40 bytes released with free', 1],
        ['new[] block of 40 bytes released with delete', 1],
      ],
    ],
  ])('%s', (_name, mismatches, expected) => {
    const groups = groupMismatches(mismatches, mismatches.map(m => framesOf(m, all)));
    expect(groups.map(g => [describeMismatch(g), g.count])).toEqual(expected);
    expect(countMismatches(groups)).toBe(mismatches.length);
  });

  it('keeps the symbolized stacks, and the raw addresses where there are none', () => {
    const [symbolized] = groupMismatches([arrayByDelete], [framesOf(arrayByDelete, all)]);
    expect(symbolized.allocation).toEqual({kind: 'new[]', size: 40, frames: [NEW_SITE, MAIN]});
    expect(symbolized.release).toEqual({kind: 'delete', frames: [DELETE_SITE, MAIN]});
    const [bare] = groupMismatches([arrayByDelete], []);
    expect(bare.release.frames).toEqual([
      {address: '0x1200', function: null, file: null, line: null, object: null},
      {address: '0x1300', function: null, file: null, line: null, object: null},
    ]);
  });
});

describe('describeMismatch and the headline', () => {
  it.each<[Mismatch['allocation']['kind'], number, Mismatch['release']['kind'], string]>([
    ['new[]', 40, 'delete', 'new[] block of 40 bytes released with delete'],
    ['malloc', 1, 'delete[]', 'malloc block of 1 byte released with delete[]'],
    ['new', 8, 'free', 'new block of 8 bytes released with free'],
    ['new', 24, 'realloc', 'new block of 24 bytes released with realloc'],
  ])('%s of %d by %s', (allocation, size, release, text) => {
    expect(describeMismatch({allocation: {kind: allocation, size}, release: {kind: release}})).toBe(text);
  });

  it.each([
    [1, '1 block released by a mismatched free/delete in ./mm'],
    [3, '3 blocks released by a mismatched free/delete in ./mm'],
  ])('%d', (count, text) => {
    expect(formatMismatchHeadline(count, './mm')).toBe(text);
  });
});

describe('formatMismatchMessage', () => {
  const withStacks: Mismatch = {
    allocation: {kind: 'new[]', size: 40, frames: [NEW_SITE, MAIN, LIBC]},
    release: {kind: 'delete', frames: [DELETE_SITE, MAIN]},
    count: 1,
  };
  const noReleaseStack: Mismatch = {allocation: {kind: 'malloc', size: 30, frames: [MAIN]}, release: {kind: 'delete', frames: []}, count: 2};

  it('names both kinds and both stacks, innermost first; a release without a stack says so', () => {
    expect(formatMismatchMessage([withStacks, noReleaseStack], 3, './mm')).toBe(
      [
        '3 blocks released by a mismatched free/delete in ./mm',
        '  new[] block of 40 bytes released with delete',
        '    by drop_array (/src/mm.cc:12)',
        '    by main (/src/mm.cc:40)',
        '  allocated with new[]',
        '    by make_array (/src/mm.cc:7)',
        '    by main (/src/mm.cc:40)',
        '  malloc block of 30 bytes released with delete (2 times)',
        '    (no stack recorded for the delete)',
        '  allocated with malloc',
        '    by main (/src/mm.cc:40)',
      ].join('\n'),
    );
  });

  it('says how many pmm.ko counted but did not keep', () => {
    expect(formatMismatchMessage([{...withStacks, count: 256}], 300, './mm').split('\n').pop()).toBe(
      '  and 44 more, not kept: pmm.ko keeps the first 256 of a process',
    );
  });
});

test('the failure detail is plain data: the headline, the message, and copies of the mismatches', () => {
  const mismatches: Mismatch[] = [{allocation: {kind: 'new', size: 4, frames: [MAIN]}, release: {kind: 'free', frames: []}, count: 1}];
  const detail = mismatchFailureDetail({program: './mm', mismatches, mismatchedFrees: 1});
  expect(detail).toEqual({
    name: 'MismatchedFree',
    message: '1 block released by a mismatched free/delete in ./mm',
    stack: formatMismatchMessage(mismatches, 1, './mm'),
    pmmMismatch: {program: './mm', mismatchedFrees: 1, mismatches},
  });
  expect(detail.pmmMismatch.mismatches[0]).not.toBe(mismatches[0]);
  expect(JSON.parse(JSON.stringify(detail))).toEqual(detail);
});

describe('formatValgrindMismatch', () => {
  const group = (count: number, release: Frame[] = [DELETE_SITE, MAIN]): Mismatch => ({
    allocation: {kind: 'new[]', size: 40, frames: [NEW_SITE, MAIN]},
    release: {kind: 'delete', frames: release},
    count,
  });

  it("prints valgrind's lines: the release's stack, then the block and where it was allocated", () => {
    expect(formatValgrindMismatch(group(1), '0x4172b0')).toBe(
      [
        'Mismatched free() / delete / delete []: new[] block of 40 bytes released with delete',
        '   at 0x1200: drop_array (/src/mm.cc:12)',
        '   by 0x1300: main (/src/mm.cc:40)',
        " Address 0x4172b0 is 0 bytes inside a block of size 40 alloc'd by new[]",
        '   at 0x1100: make_array (/src/mm.cc:7)',
        '   by 0x1300: main (/src/mm.cc:40)',
      ].join('\n'),
    );
  });

  it('a group made more than once says how many times, once', () => {
    const lines = formatValgrindMismatch(group(30000), '0x4172b0').split('\n');
    expect(lines[0]).toBe('Mismatched free() / delete / delete []: new[] block of 40 bytes released with delete (30000 times)');
    expect(lines).toHaveLength(6);
  });

  it('says when the release has no stack', () => {
    expect(formatValgrindMismatch(group(1, []), '0x4172b0').split('\n').slice(0, 2)).toEqual([
      'Mismatched free() / delete / delete []: new[] block of 40 bytes released with delete',
      '   (no stack recorded for the delete)',
    ]);
  });
});

describe('rawMismatchKey and mismatchKey', () => {
  it('a group has the key of the raw mismatches it was made from, an inlined frame or not', () => {
    const m = raw('new[]', 'delete', 40, [NEW_SITE, MAIN], [DELETE_SITE, MAIN]);
    const inlinedHelper: Frame = {...DELETE_SITE, function: 'release_helper', inlined: true};
    const [group] = groupMismatches([m], [{allocation: [NEW_SITE, MAIN], release: [inlinedHelper, DELETE_SITE, MAIN]}]);
    expect(mismatchKey(group)).toBe(rawMismatchKey(m));
    expect(mismatchKey({...group, count: 2, allocation: {...group.allocation, size: 41}})).not.toBe(rawMismatchKey(m));
  });
});
