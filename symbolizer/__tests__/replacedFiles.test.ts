// Which mapped files were replaced at their path: compared by inode only when the text is this machine's own.
import {mkdtempSync, renameSync, rmSync, statSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import {join} from 'path';
import {parseObjectMap} from '../objectMap';
import {replacedFiles} from '../replacedFiles';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pmm-replaced-'));
});

afterEach(() => {
  rmSync(dir, {recursive: true, force: true});
});

/** A maps text mapping each file with the inode given (its own when left out). */
function mapsOf(files: ReadonlyArray<[string, bigint?]>): string {
  return files
    .map(([file, inode], i) => `7f00000${i}0000-7f00000${i}1000 r-xp 00000000 fe:00 ${inode ?? statSync(file, {bigint: true}).ino}    ${file}`)
    .concat('7f0000900000-7f0000901000 rw-p 00000000 00:00 0 ', '7ffd00000000-7ffd00001000 r-xp 00000000 00:00 0    [vdso]')
    .join('\n');
}

function file(name: string, text = name): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('a file renamed over one the process mapped is replaced; the others are not', () => {
  const [kept, program] = [file('libkept.so'), file('program')];
  const maps = mapsOf([[kept], [program]]);
  renameSync(file('new program'), program);
  expect([...replacedFiles(parseObjectMap(maps))]).toEqual([program]);
});

test("a text whose files are numbered otherwise (the guest's kernel, over 9p) replaces nothing", () => {
  const [kept, program] = [file('libkept.so'), file('program')];
  const renumbered = (path: string): bigint => statSync(path, {bigint: true}).ino * 2n + 3n;
  expect(replacedFiles(parseObjectMap(mapsOf([[kept, renumbered(kept)], [program, renumbered(program)]])))).toEqual(new Set());
});

test('a file that is gone is not replaced (there is nothing to read wrongly), nor is a pseudo-path or an anonymous mapping', () => {
  const [kept, gone] = [file('libkept.so'), file('gone')];
  const maps = mapsOf([[kept], [gone]]);
  rmSync(gone);
  expect(replacedFiles(parseObjectMap(maps))).toEqual(new Set());
});
