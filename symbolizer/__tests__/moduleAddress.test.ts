// Table tests for choosing the address a symbolizer expects: absolute for ET_EXEC, base-relative for ET_DYN.

import type {ElfType} from '../elfType';
import {toModuleAddress} from '../moduleAddress';
import {parseObjectMap} from '../objectMap';

const MAPS = [
  '400000-401000 r--p 00000000 fe:00 1 /bin/fixed',
  '401000-402000 r-xp 00001000 fe:00 1 /bin/fixed',
  '555555554000-555555555000 r--p 00000000 fe:00 2 /bin/pie',
  '555555555000-555555556000 r-xp 00001000 fe:00 2 /bin/pie',
  '7f0000000000-7f0000001000 r-xp 00000000 fe:00 3 /gone/lib.so',
  '7ffff7fc1000-7ffff7fc3000 r-xp 00000000 00:00 0 [vdso]',
  '7ffff7fd0000-7ffff7fd1000 rw-p 00000000 00:00 0',
].join('\n');

const TYPES: Record<string, ElfType | null> = {'/bin/fixed': 'exec', '/bin/pie': 'dyn', '/gone/lib.so': null};

it.each([
  ['0x401123', {object: '/bin/fixed', offset: 0x401123n, symbolizable: true}],
  ['0x555555555123', {object: '/bin/pie', offset: 0x1123n, symbolizable: true}],
  ['0x7f0000000040', {object: '/gone/lib.so', offset: 0x40n, symbolizable: false}],
  ['0x7ffff7fc1010', {object: '[vdso]', offset: 0x10n, symbolizable: false}],
  ['0x7ffff7fd0010', {object: null, offset: null, symbolizable: false}],
  ['0x10', {object: null, offset: null, symbolizable: false}],
])('toModuleAddress(%s)', (address, expected) => {
  const asked: string[] = [];
  const elfTypeOf = (path: string): ElfType | null => {
    asked.push(path);
    return TYPES[path] ?? null;
  };
  expect(toModuleAddress(parseObjectMap(MAPS), BigInt(address), elfTypeOf)).toEqual(expected);
  expect(asked).not.toContain('[vdso]'); // a pseudo-path is never opened as a file
});
