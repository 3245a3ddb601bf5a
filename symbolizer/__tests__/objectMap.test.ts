// Table tests for reading /proc/<pid>/maps text and finding the object that holds an address.

import {mkdtempSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import {join} from 'path';
import {execImage, findObject, formatAddress, isPseudoPath, loadBase, mainObjectPath, parseAddress, parseObjectMap, recordingStartedOff} from '../objectMap';

const MAPS = [
  '5591d643b000-5591d643c000 r--p 00000000 fe:00 2163124                    /tmp/my dir/probe',
  '5591d643c000-5591d643d000 r-xp 00001000 fe:00 2163124                    /tmp/my dir/probe',
  '5591d7000000-5591d7021000 rw-p 00000000 00:00 0                          [heap]',
  '7f9869400000-7f9869428000 r--p 00000000 fe:00 1835036                    /usr/lib/x86_64-linux-gnu/libc.so.6',
  '7f9869428000-7f986959d000 r-xp 00028000 fe:00 1835036                    /usr/lib/x86_64-linux-gnu/libc.so.6',
  '7f98695f0000-7f98695f3000 rw-p 00000000 00:00 0 ',
  'not a maps line',
  '',
].join('\n');

describe('parseObjectMap', () => {
  const objects = parseObjectMap(MAPS);

  it('reads every well-formed line and skips the rest', () => {
    expect(objects).toHaveLength(6);
  });

  it.each([
    [0, {start: 0x5591d643b000n, end: 0x5591d643c000n, offset: 0n, perms: 'r--p', path: '/tmp/my dir/probe'}],
    [1, {start: 0x5591d643c000n, end: 0x5591d643d000n, offset: 0x1000n, perms: 'r-xp', path: '/tmp/my dir/probe'}],
    [2, {start: 0x5591d7000000n, end: 0x5591d7021000n, offset: 0n, perms: 'rw-p', path: '[heap]'}],
    [5, {start: 0x7f98695f0000n, end: 0x7f98695f3000n, offset: 0n, perms: 'rw-p', path: null}],
  ])('line %d', (index, expected) => {
    expect(objects[index]).toEqual(expected);
  });

  it('reads back a newline in a path, which the kernel writes as \\012, and a backslash it leaves as it is: the file there decides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmm-maps-'));
    try {
      writeFileSync(join(dir, 'nl\nprog'), '');
      writeFileSync(join(dir, 'bs\\012prog'), '');
      const [newline, backslash, gone] = parseObjectMap(['nl', 'bs', 'gone'].map(name => `5591d643c000-5591d643d000 r-xp 00001000 fe:00 2163124    ${dir}/${name}\\012prog`).join('\n'));
      expect([newline.path, backslash.path, gone.path]).toEqual([`${dir}/nl\nprog`, `${dir}/bs\\012prog`, `${dir}/gone\\012prog`]);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('findObject and loadBase', () => {
  const objects = parseObjectMap(MAPS);

  it.each([
    ['0x5591d643c170', '/tmp/my dir/probe', 0x5591d643b000n],
    ['0x5591d643b000', '/tmp/my dir/probe', 0x5591d643b000n],
    ['0x7f98694305b0', '/usr/lib/x86_64-linux-gnu/libc.so.6', 0x7f9869400000n],
  ])('%s lies in %s loaded at the offset-0 mapping', (address, path, base) => {
    const holder = findObject(objects, BigInt(address));
    expect(holder?.path).toBe(path);
    expect(holder === null ? null : loadBase(objects, holder)).toBe(base);
  });

  it.each(['0x5591d643d000', '0x10', '0xffffffffffffffff'])('%s lies in no object (ends are exclusive)', address => {
    expect(findObject(objects, BigInt(address))).toBeNull();
  });

  it('falls back to start minus offset when the offset-0 mapping is missing', () => {
    const [text] = parseObjectMap('7f0000428000-7f000059d000 r-xp 00028000 fe:00 1 /lib/libcut.so');
    expect(loadBase([text], text)).toBe(0x7f0000400000n);
  });
});

describe('addresses and paths', () => {
  it.each([
    ['0x5591d643c170', 0x5591d643c170n],
    ['0X7F', 0x7fn],
    ['  0x10 ', 0x10n],
    ['deadbeef', 0xdeadbeefn],
    ['0x', null],
    ['0x12345678901234567', null], // more than 64 bits
    ['-0x1', null],
    ['12g', null],
  ])('parseAddress(%j)', (text, expected) => {
    expect(parseAddress(text)).toBe(expected);
  });

  it('formatAddress writes lower-case hex with 0x', () => {
    expect(formatAddress(0xabcn)).toBe('0xabc');
  });

  it.each([
    ['[vdso]', true],
    ['[anon:glibc]', true],
    ['/lib/libc.so.6', false],
  ])('isPseudoPath(%j)', (path, expected) => {
    expect(isPseudoPath(path)).toBe(expected);
  });
});

describe('mainObjectPath', () => {
  it('is the lowest-mapped file, spaces and all', () => {
    expect(mainObjectPath(MAPS)).toBe('/tmp/my dir/probe');
  });

  it('skips anonymous and pseudo mappings below it, and drops " (deleted)"', () => {
    const text = [
      '00400000-00401000 ---p 00000000 00:00 0 ',
      '00401000-00402000 r--p 00000000 00:00 0                          [anon:x]',
      '00600000-00601000 r-xp 00000000 fe:00 12                         /tmp/rebuilt (deleted)',
      '7f9869400000-7f9869428000 r--p 00000000 fe:00 1835036            /usr/lib/x86_64-linux-gnu/libc.so.6',
    ].join('\n');
    expect(mainObjectPath(text)).toBe('/tmp/rebuilt');
  });

  it("is the image the text's last line says the process exec()ed, whose hook never sent a map of its own", () => {
    expect(mainObjectPath(`${MAPS}exec /usr/bin/static prog\n`)).toBe('/usr/bin/static prog');
    expect(execImage(`${MAPS}exec /usr/bin/static prog\n`)).toBe('/usr/bin/static prog');
    // Only the last line counts, and only an absolute path.
    expect(execImage(`exec /bin/a\n${MAPS}`)).toBeNull();
    expect(execImage(`${MAPS}exec relative\n`)).toBeNull();
    expect(parseObjectMap(`${MAPS}exec /usr/bin/static\n`)).toEqual(parseObjectMap(MAPS));
  });

  it('is null for a text without files', () => {
    expect(mainObjectPath('')).toBeNull();
    expect(mainObjectPath('7ffd1000-7ffd2000 r-xp 00000000 00:00 0 [vdso]\n')).toBeNull();
  });
});

describe('recordingStartedOff', () => {
  it("reads the hook's first line, and not of a text naming the image exec-ed next (whose hook never said)", () => {
    expect(recordingStartedOff(`recording off at start\n${MAPS}`)).toBe(true);
    expect(recordingStartedOff(MAPS)).toBe(false);
    expect(recordingStartedOff(`${MAPS}recording off at start\n`)).toBe(false);
    expect(recordingStartedOff(`recording off at start\n${MAPS}exec /usr/bin/static\n`)).toBe(false);
    expect(parseObjectMap(`recording off at start\n${MAPS}`)).toEqual(parseObjectMap(MAPS));
  });
});
