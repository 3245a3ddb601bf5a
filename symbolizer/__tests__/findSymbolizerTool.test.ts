// Tests finding the symbolization tool on a PATH made of temp folders with fake executables.

import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import {delimiter, join} from 'path';
import {findSymbolizerTool} from '../findSymbolizerTool';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pmm-findtool-'));
});

afterAll(() => {
  rmSync(root, {recursive: true, force: true});
});

/** A folder holding the named files; executable unless the name ends with "!". */
function folder(name: string, files: readonly string[]): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const file of files) {
    const plain = file.replace(/!$/, '');
    writeFileSync(join(dir, plain), '#!/bin/sh\n');
    chmodSync(join(dir, plain), file.endsWith('!') ? 0o644 : 0o755);
  }
  return dir;
}

it.each([
  ['plain llvm-symbolizer first', [['llvm-symbolizer-16', 'llvm-symbolizer', 'addr2line']], 'auto', 'llvm-symbolizer', 'llvm-symbolizer'],
  ['the newest versioned one', [['llvm-symbolizer-9', 'addr2line'], ['llvm-symbolizer-14', 'llvm-symbolizer-15']], 'auto', 'llvm-symbolizer', 'llvm-symbolizer-15'],
  ['addr2line when no llvm-symbolizer', [['llvm-symbolizer-14!'], ['addr2line']], 'auto', 'addr2line', 'addr2line'],
  ['addr2line when asked for', [['llvm-symbolizer', 'addr2line']], 'addr2line', 'addr2line', 'addr2line'],
] as const)('%s', (name, dirs, prefer, kind, file) => {
  const paths = dirs.map((files, index) => folder(`${name.replace(/\W/g, '_')}${index}`, files));
  const found = findSymbolizerTool([join(root, 'missing'), ...paths].join(delimiter), prefer);
  expect(found?.kind).toBe(kind);
  expect(found?.path.endsWith(`/${file}`)).toBe(true);
});

it.each([
  ['nothing usable', [['tool!']], 'auto'],
  ['llvm-symbolizer asked for but only addr2line there', [['addr2line']], 'llvm-symbolizer'],
] as const)('null for %s', (name, dirs, prefer) => {
  const paths = dirs.map((files, index) => folder(`${name.replace(/\W/g, '_')}${index}`, files));
  expect(findSymbolizerTool(paths.join(delimiter), prefer)).toBeNull();
});
