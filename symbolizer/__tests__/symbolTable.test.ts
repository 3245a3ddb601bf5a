// The symbol table valgrind names functions by: nm's lines read, aliases merged as valgrind merges them,
// and an address looked up; the build-id that finds a separate debug file.
import {execFileSync} from 'child_process';
import {readFileSync} from 'fs';
import {mkdtempSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import {join} from 'path';
import {buildIdOf, debugFileOf, parseNmOutput, preferred, readSymbolTable, SymbolTable} from '../symbolTable';

const at = (address: number, size: number, name: string) => ({address: BigInt(address), size: BigInt(size), name});

test("nm -S's function lines are read; others, and those without a size, are not", () => {
  const text = [
    '0000000000075ba0 00000000000000f5 T fdopen@@GLIBC_2.2.5',
    '000000000003f960 0000000000000231 t msort_with_tmp.part.0',
    '0000000000051b40 00000000000000a5 W asprintf',
    '00000000001d8e70 0000000000000008 D _IO_2_1_stdout_',
    '0000000000029dc0 T _init',
    '                 U free',
  ].join('\n');
  expect(parseNmOutput(text)).toEqual([at(0x75ba0, 0xf5, 'fdopen@@GLIBC_2.2.5'), at(0x3f960, 0x231, 'msort_with_tmp.part.0'), at(0x51b40, 0xa5, 'asprintf')]);
  // .dynsym's, whose names valgrind reads without their versions.
  expect(parseNmOutput('0000000000075ba0 00000000000000f5 T fdopen@@GLIBC_2.2.5\n', true)).toEqual([at(0x75ba0, 0xf5, 'fdopen')]);
});

test.each([
  [['___asprintf', '__asprintf', 'asprintf'], 'asprintf'], // the shortest
  [['_IO_fdopen@@GLIBC_2.2.5', 'fdopen@@GLIBC_2.2.5'], 'fdopen@@GLIBC_2.2.5'], // by the length without its version
  [['tmpfile64', 'tmpfile@@GLIBC_2.2.5'], 'tmpfile@@GLIBC_2.2.5'],
  [['regexec', 'regexec@@GLIBC_2.3.4'], 'regexec@@GLIBC_2.3.4'], // as long: the versioned one
  [['_ZN4CtorC2Ev', '_ZN4CtorC1Ev'], '_ZN4CtorC1Ev'], // then the first alphabetically
])('of %p at one address, valgrind names %p', (names, chosen) => {
  expect(names.map((name) => at(0x100, 16, name)).reduce(preferred).name).toBe(chosen);
  expect(new SymbolTable(names.map((name) => at(0x100, 16, name))).nameAt(0x108n)).toBe(chosen);
});

test('an address is named by the function it is in, and by none outside every function, as valgrind makes its table', () => {
  // A symbol that overlaps the next ends where that one starts (valgrind truncates it): 0x11f has no name.
  const table = new SymbolTable([at(0x200, 0x10, 'second'), at(0x100, 0x20, 'first'), at(0x110, 0x4, 'first.cold')]);
  expect([0x100n, 0x10fn, 0x112n, 0x11fn, 0x120n, 0x1ffn, 0x20fn, 0x210n, 0xffn].map((address) => table.nameAt(address) ?? null)).toEqual([
    'first', 'first', 'first.cold', null, null, null, 'second', null, null,
  ]);
  // Of two that start together, the smaller has the start; the larger what follows it.
  const nested = new SymbolTable([at(0x100, 0x100, 'big'), at(0x100, 0x10, 'small')]);
  expect([0x100n, 0x10fn, 0x110n, 0x1ffn].map((address) => nested.nameAt(address))).toEqual(['small', 'small', 'big', 'big']);
});

test("a library's build-id is the one readelf reads, and its table names fdopen as valgrind does", async () => {
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const notes = execFileSync('readelf', ['-n', libc], {encoding: 'utf8'});
  const bytes = readFileSync(libc);
  expect(buildIdOf((offset, length) => bytes.subarray(offset, offset + length))).toBe(/Build ID: ([0-9a-f]+)/.exec(notes)?.[1]);
  const fdopen = /^([0-9a-f]+) \S+ T fdopen@@/m.exec(execFileSync('nm', ['-D', '-S', '--with-symbol-versions', libc], {encoding: 'utf8'}));
  const table = await readSymbolTable(libc);
  // With libc6-dbg, its debug file's .symtab has the versioned name; without, .dynsym's is read unversioned.
  expect(table?.nameAt(BigInt(`0x${fdopen?.[1]}`) + 4n)).toBe(debugFileOf(libc) === null ? 'fdopen' : 'fdopen@@GLIBC_2.2.5');
});

test("a stripped library's .dynsym names its functions without their versions, as valgrind shows them", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pmm-symtab-'));
  try {
    writeFileSync(join(dir, 'v.c'), 'int make(int x) { return x * 3 + 1; }\nint other(int x) { return make(x) - 1; }\n');
    writeFileSync(join(dir, 'v.map'), 'V1 { global: make; other; local: *; };\n');
    const lib = join(dir, 'libv.so');
    execFileSync('gcc', ['-shared', '-fPIC', '-O2', `-Wl,--version-script=${join(dir, 'v.map')}`, '-o', lib, join(dir, 'v.c')]);
    execFileSync('strip', [lib]);
    const make = /^([0-9a-f]+) \S+ T make@@V1$/m.exec(execFileSync('nm', ['-D', '-S', '--with-symbol-versions', lib], {encoding: 'utf8'}));
    expect(make).not.toBeNull();
    expect((await readSymbolTable(lib))?.nameAt(BigInt(`0x${make?.[1]}`))).toBe('make');
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test('a file that is no ELF object has no build-id and no table', async () => {
  expect(buildIdOf(() => Buffer.from('#!/bin/sh\n'))).toBeNull();
  expect(await readSymbolTable('/etc/hostname')).toBeNull();
});
