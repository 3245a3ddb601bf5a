// Which mapped files were replaced at their path: by inode on the device they were mapped from, and only
// when the text is this machine's own.
import {execFileSync} from 'child_process';
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

function file(name: string, text = name): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The maps line the kernel writes for each file, mapped by a process (python's mmap) that has ended. */
function mapsOf(...files: string[]): string {
  const script = [
    'import mmap, sys',
    'opened = [open(p, "rb") for p in sys.argv[1:]]',
    'kept = [mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ) for f in opened]',
    'print(open("/proc/self/maps").read())',
  ].join('\n');
  const maps = execFileSync('python3', ['-c', script, ...files], {encoding: 'utf8'});
  return maps
    .split('\n')
    .filter(line => files.some(f => line.endsWith(f)))
    .join('\n');
}

/** The text with a file's inode (and, given, its device) as another kernel would have written them. */
function renumbered(maps: string, path: string, inode: bigint, device?: string): string {
  return maps
    .split('\n')
    .map(line => (line.endsWith(path) ? line.replace(/ (\S+) (\d+)( +)\//, (_m, dev: string, _ino, gap: string) => ` ${device ?? dev} ${inode}${gap}/`) : line))
    .join('\n');
}

test('a file renamed over one the process mapped is replaced; the others are not', () => {
  const [kept, program] = [file('libkept.so'), file('program')];
  const maps = mapsOf(kept, program);
  renameSync(file('new program'), program);
  expect([...replacedFiles(parseObjectMap(maps))]).toEqual([program]);
});

test("a text whose files are numbered otherwise (the guest's kernel, over 9p) replaces nothing", () => {
  const [kept, program] = [file('libkept.so'), file('program')];
  let maps = mapsOf(kept, program);
  for (const path of [kept, program]) maps = renumbered(maps, path, statSync(path, {bigint: true}).ino * 2n + 3n);
  expect(replacedFiles(parseObjectMap(maps))).toEqual(new Set());
});

test('a file mapped from another device than the one its path shows now (overlayfs before 6.8) is not taken for replaced', () => {
  const [kept, program] = [file('libkept.so'), file('program')];
  const maps = renumbered(mapsOf(kept, program), program, 12345n, '00:99');
  expect(replacedFiles(parseObjectMap(maps))).toEqual(new Set());
});

test('a file that is gone is not replaced (there is nothing to read wrongly)', () => {
  const [kept, gone] = [file('libkept.so'), file('gone')];
  const maps = mapsOf(kept, gone);
  rmSync(gone);
  expect(replacedFiles(parseObjectMap(maps))).toEqual(new Set());
});
