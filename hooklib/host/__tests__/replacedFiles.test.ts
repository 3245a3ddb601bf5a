// Host mode's reader marks the files of a process's object map that were replaced at their path since it
// mapped them: another inode on the device they were mapped from.
import {execFileSync} from 'child_process';
import {mkdtempSync, renameSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import {join} from 'path';
import {markReplaced} from '../replacedFiles';

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

/** The files whose lines the marked text says " (deleted)", each once. */
const marked = (maps: string): string[] => [...new Set(markReplaced(maps).split('\n').filter((l) => l.endsWith(' (deleted)')).map((l) => l.replace(/^.* (\/.*) \(deleted\)$/, '$1')))];

test('a file renamed over one the process mapped is marked " (deleted)", each of its lines; the others are not', () => {
  const [kept, program] = [file('libkept.so'), file('program')];
  const maps = mapsOf(kept, program);
  renameSync(file('new program'), program);
  expect(marked(maps)).toEqual([program]);
  expect(markReplaced(maps).split('\n').filter((l) => l.includes(kept)).every((l) => l.endsWith(kept))).toBe(true);
});

test('a line the kernel marked " (deleted)" already is left as it is', () => {
  const program = file('program');
  const maps = mapsOf(program);
  rmSync(program);
  const deleted = maps.split('\n').map((l) => `${l} (deleted)`).join('\n');
  expect(markReplaced(deleted)).toBe(deleted);
});

test('a file mapped from another device than the one its path shows now (overlayfs before 6.8) is not marked', () => {
  const [kept, program] = [file('libkept.so'), file('program')];
  const maps = renumbered(mapsOf(kept, program), program, 12345n, '00:99');
  expect(marked(maps)).toEqual([]);
});

test('a file that is gone is not marked (there is nothing to read wrongly)', () => {
  const [kept, gone] = [file('libkept.so'), file('gone')];
  const maps = mapsOf(kept, gone);
  rmSync(gone);
  expect(markReplaced(maps)).toBe(maps);
});
