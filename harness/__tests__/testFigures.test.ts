import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FIGURES_DIR_VARIABLE, figuresKey, readTestFigures, recordTestFigures } from '../testFigures';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-figures-test-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test("what the environment records, the reporter reads, by file and titles; a retry's last attempt wins", () => {
  const env = { [FIGURES_DIR_VARIABLE]: dir };
  recordTestFigures('/p/a.test.ts', ['block', 'clean'], { bytes: 0, blocks: 0 }, env);
  recordTestFigures('/p/a.test.ts', ['leaky'], { bytes: 10, blocks: 1 }, env);
  recordTestFigures('/p/a.test.ts', ['leaky'], { bytes: 600, blocks: 3 }, env);
  const figures = readTestFigures(dir);
  expect(figures.get(figuresKey('/p/a.test.ts', ['block', 'clean']))).toEqual({ bytes: 0, blocks: 0 });
  expect(figures.get(figuresKey('/p/a.test.ts', ['leaky']))).toEqual({ bytes: 600, blocks: 3 });
  expect(figures.size).toBe(2);
});

test('nothing is written when no reporter asked, or its folder is gone', () => {
  recordTestFigures('/p/a.test.ts', ['t'], { bytes: 1, blocks: 1 }, {});
  recordTestFigures('/p/a.test.ts', ['t'], { bytes: 1, blocks: 1 }, { [FIGURES_DIR_VARIABLE]: path.join(dir, 'gone') });
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('a line cut short by a killed worker is skipped, the rest kept; a missing folder reads as empty', () => {
  fs.writeFileSync(path.join(dir, '1.jsonl'), '{"testPath":"/p/a","titles":["ok"],"bytes":5,"blocks":1}\n{"testPath":"/p/a","tit');
  expect([...readTestFigures(dir).values()]).toEqual([{ bytes: 5, blocks: 1 }]);
  expect(readTestFigures(path.join(dir, 'missing')).size).toBe(0);
});

test('two tests of one title in one file are kept apart by their occurrence (they shared one entry)', () => {
  const env = { [FIGURES_DIR_VARIABLE]: dir };
  recordTestFigures('/p/a.test.ts', ['dup'], { bytes: 0, blocks: 0 }, env, 0);
  recordTestFigures('/p/a.test.ts', ['dup'], { bytes: 77, blocks: 1 }, env, 1);
  const figures = readTestFigures(dir);
  expect([figures.get(figuresKey('/p/a.test.ts', ['dup'])), figures.get(figuresKey('/p/a.test.ts', ['dup'], 1))]).toEqual([
    { bytes: 0, blocks: 0 },
    { bytes: 77, blocks: 1 },
  ]);
});
