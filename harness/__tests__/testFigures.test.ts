import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ABANDONED_AFTER_MS, FIGURES_DIR_VARIABLE, figuresKey, makeFiguresDir, readTestFigures, recordTestFigures } from '../testFigures';

const a = { project: 'p1', path: '/p/a.test.ts' };

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-figures-test-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test("what the environment records, the reporter reads, by file and titles; a retry's last attempt wins", () => {
  const env = { [FIGURES_DIR_VARIABLE]: dir };
  recordTestFigures(a, ['block', 'clean'], { bytes: 0, blocks: 0 }, env);
  recordTestFigures(a, ['leaky'], { bytes: 10, blocks: 1 }, env);
  recordTestFigures(a, ['leaky'], { bytes: 600, blocks: 3 }, env);
  const figures = readTestFigures(dir);
  expect(figures.get(figuresKey(a, ['block', 'clean']))).toEqual({ bytes: 0, blocks: 0 });
  expect(figures.get(figuresKey(a, ['leaky']))).toEqual({ bytes: 600, blocks: 3 });
  expect(figures.size).toBe(2);
});

test('nothing is written when no reporter asked, or its folder is gone', () => {
  recordTestFigures(a, ['t'], { bytes: 1, blocks: 1 }, {});
  recordTestFigures(a, ['t'], { bytes: 1, blocks: 1 }, { [FIGURES_DIR_VARIABLE]: path.join(dir, 'gone') });
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('a line cut short by a killed worker is skipped, the rest kept; a missing folder reads as empty', () => {
  fs.writeFileSync(path.join(dir, '1.jsonl'), '{"project":"p1","testPath":"/p/a","titles":["ok"],"bytes":5,"blocks":1}\n{"project":"p1","testPath":"/p/a","tit');
  expect([...readTestFigures(dir).values()]).toEqual([{ bytes: 5, blocks: 1 }]);
  expect(readTestFigures(path.join(dir, 'missing')).size).toBe(0);
});

test('two tests of one title in one file are kept apart by their occurrence (they shared one entry)', () => {
  const env = { [FIGURES_DIR_VARIABLE]: dir };
  recordTestFigures(a, ['dup'], { bytes: 0, blocks: 0 }, env, 0);
  recordTestFigures(a, ['dup'], { bytes: 77, blocks: 1 }, env, 1);
  const figures = readTestFigures(dir);
  expect([figures.get(figuresKey(a, ['dup'])), figures.get(figuresKey(a, ['dup'], 1))]).toEqual([
    { bytes: 0, blocks: 0 },
    { bytes: 77, blocks: 1 },
  ]);
});

test("two projects' runs of one file are kept apart (one took the other's figures)", () => {
  const env = { [FIGURES_DIR_VARIABLE]: dir };
  recordTestFigures(a, ['t'], { bytes: 600, blocks: 3 }, env);
  recordTestFigures({ ...a, project: 'p2' }, ['t'], { bytes: 0, blocks: 0 }, env);
  const figures = readTestFigures(dir);
  expect([figures.get(figuresKey(a, ['t'])), figures.get(figuresKey({ ...a, project: 'p2' }, ['t']))]).toEqual([
    { bytes: 600, blocks: 3 },
    { bytes: 0, blocks: 0 },
  ]);
});

test("a folder left by a Jest that was ended (its pid gone, untouched for an hour) is removed by a later run's; the rest stay", () => {
  const make = (name: string, file?: string): string => {
    const d = path.join(dir, name);
    fs.mkdirSync(d);
    if (file) fs.writeFileSync(path.join(d, file), '');
    return d;
  };
  const dead = make('pmm-figures-999999999-abcdef', '1.jsonl');
  const older = make('pmm-figures-Q1w2E3'); // an earlier pmm's name, with no pid
  const live = make(`pmm-figures-${process.pid}-ghijkl`);
  // A pid not running here may be another machine's, on a shared TMPDIR: a run that still writes stays.
  const writing = make('pmm-figures-999999998-mnopqr', '7.jsonl');
  const other = make('unrelated');
  const hourAgo = (Date.now() - ABANDONED_AFTER_MS - 60_000) / 1000;
  for (const d of [dead, older, live, writing, other]) fs.utimesSync(d, hourAgo, hourAgo);
  fs.utimesSync(path.join(dead, '1.jsonl'), hourAgo, hourAgo);
  const made = makeFiguresDir(dir);
  expect(path.basename(made)).toMatch(new RegExp(`^pmm-figures-${process.pid}-`));
  expect(fs.readdirSync(dir).sort()).toEqual([made, live, writing, other].map((d) => path.basename(d)).sort());
});
