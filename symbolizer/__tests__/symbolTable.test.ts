// The symbol table valgrind names functions by: nm's lines read, aliases merged as valgrind merges them,
// and an address looked up; the build-id that finds a separate debug file.
import {execFileSync} from 'child_process';
import {readFileSync} from 'fs';
import {buildIdOf, parseNmOutput, preferred, readSymbolTable, SymbolTable} from '../symbolTable';

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

test('an address is named by the function it is in, and by none outside every function', () => {
  const table = new SymbolTable([at(0x200, 0x10, 'second'), at(0x100, 0x20, 'first'), at(0x110, 0x4, 'first.cold')]);
  expect([0x100n, 0x10fn, 0x112n, 0x11fn, 0x120n, 0x1ffn, 0x20fn, 0x210n, 0xffn].map((address) => table.nameAt(address) ?? null)).toEqual([
    'first', 'first', 'first.cold', 'first', null, null, 'second', null, null,
  ]);
});

test("a library's build-id is the one readelf reads, and its table names fdopen as valgrind does", async () => {
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const notes = execFileSync('readelf', ['-n', libc], {encoding: 'utf8'});
  const bytes = readFileSync(libc);
  expect(buildIdOf((offset, length) => bytes.subarray(offset, offset + length))).toBe(/Build ID: ([0-9a-f]+)/.exec(notes)?.[1]);
  const fdopen = /^([0-9a-f]+) \S+ T fdopen@@/m.exec(execFileSync('nm', ['-D', '-S', '--with-symbol-versions', libc], {encoding: 'utf8'}));
  const table = await readSymbolTable(libc);
  expect(table?.nameAt(BigInt(`0x${fdopen?.[1]}`) + 4n)).toBe('fdopen@@GLIBC_2.2.5');
});

test('a file that is no ELF object has no build-id and no table', async () => {
  expect(buildIdOf(() => Buffer.from('#!/bin/sh\n'))).toBeNull();
  expect(await readSymbolTable('/etc/hostname')).toBeNull();
});
