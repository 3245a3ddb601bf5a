// Tests reading e_type: table tests on hand-made headers, then real PIE and non-PIE builds from gcc.

import {execFileSync} from 'child_process';
import {mkdtempSync, rmSync, unlinkSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import {join} from 'path';
import {ElfTypeCache, parseElfType, readElfType} from '../elfType';

/** An ELF identification with the given byte order, followed by e_type. */
function header(encoding: number, type: number, bigEndian = encoding === 2): Uint8Array {
  const bytes = new Uint8Array(18);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, encoding, 1]);
  bytes[16] = bigEndian ? type >> 8 : type & 0xff;
  bytes[17] = bigEndian ? type & 0xff : type >> 8;
  return bytes;
}

describe('parseElfType', () => {
  it.each([
    ['little-endian ET_EXEC', header(1, 2), 'exec'],
    ['little-endian ET_DYN', header(1, 3), 'dyn'],
    ['big-endian ET_EXEC', header(2, 2), 'exec'],
    ['big-endian ET_DYN', header(2, 3), 'dyn'],
    ['ET_REL', header(1, 1), 'other'],
    ['ET_CORE', header(1, 4), 'other'],
    ['an unknown byte order', header(7, 3, false), null],
    ['a short header', header(1, 3).subarray(0, 17), null],
    ['no ELF magic', new TextEncoder().encode('#!/bin/sh\necho hello world\n'), null],
  ])('%s', (_name, bytes, expected) => {
    expect(parseElfType(bytes)).toBe(expected);
  });
});

describe('readElfType on real files', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pmm-elftype-'));
    writeFileSync(join(dir, 'main.c'), 'int main(void) { return 0; }\n');
    execFileSync('gcc', ['-pie', '-fPIE', '-o', join(dir, 'pie'), join(dir, 'main.c')]);
    execFileSync('gcc', ['-no-pie', '-fno-pie', '-o', join(dir, 'fixed'), join(dir, 'main.c')]);
    execFileSync('gcc', ['-shared', '-fPIC', '-o', join(dir, 'lib.so'), join(dir, 'main.c')]);
  });

  afterAll(() => {
    rmSync(dir, {recursive: true, force: true});
  });

  it.each([
    ['pie', 'dyn'],
    ['fixed', 'exec'],
    ['lib.so', 'dyn'],
    ['main.c', null],
    ['missing', null],
  ])('%s is %s', (name, expected) => {
    expect(readElfType(join(dir, name))).toBe(expected);
  });

  it('the cache reads each path once', () => {
    const path = join(dir, 'cached');
    execFileSync('cp', [join(dir, 'fixed'), path]);
    const cache = new ElfTypeCache();
    expect(cache.get(path)).toBe('exec');
    unlinkSync(path);
    expect(cache.get(path)).toBe('exec');
    expect(new ElfTypeCache().get(path)).toBeNull();
  });
});
