// Each test's leak figures, passed from the environment (in Jest's workers) to the JUnit reporter (in
// Jest's main process). Jest carries only failures' details back, so a passing test's figures (none leaked,
// or a leak it expected) take this side way: the reporter names a folder in the environment before the
// workers start, each worker appends one JSON line per test to a file of its own, and the reporter reads
// them all when the run is complete. A test is known by its project too: Jest's projects may run one file
// each with options of their own, and each project's case must carry its own figures.
import { fs, os, path } from './coreModules';
import type { LeakSummary } from './types';

export const FIGURES_DIR_VARIABLE = 'PMM_JUNIT_FIGURES_DIR';

/** How long a folder of figures must have been left alone before another run takes it for abandoned. */
export const ABANDONED_AFTER_MS = 60 * 60 * 1000;

/**
 * The reporter's folder for this run, in tmp, named with the reporter's pid. One of a Jest that was ended
 * before its run completed (Ctrl-C, a kill: no handler of the reporter's runs then) is removed by a later
 * run: they piled up, one per interrupted run. Only this user's, untouched for an hour, and of a pid not
 * running here: a TMPDIR shared with other machines or containers may hold a live run's, whose pid means
 * nothing here, and which writes into it.
 */
export function makeFiguresDir(tmp: string = os.tmpdir(), now = Date.now()): string {
  const uid = process.getuid?.();
  let names: string[] = [];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    // mkdtemp below says what is wrong with tmp
  }
  for (const name of names) {
    const pid = /^pmm-figures-(?:(\d+)-)?/.exec(name);
    if (pid === null || (pid[1] !== undefined && processAlive(Number(pid[1])))) continue;
    const dir = path.join(tmp, name);
    try {
      const stat = fs.lstatSync(dir);
      if (!stat.isDirectory() || stat.uid !== uid) continue;
      const touched = Math.max(stat.mtimeMs, ...fs.readdirSync(dir).map((file) => fs.lstatSync(path.join(dir, file)).mtimeMs));
      if (now - touched > ABANDONED_AFTER_MS) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return fs.mkdtempSync(path.join(tmp, `pmm-figures-${process.pid}-`));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A test file as one project runs it: the project's id (Jest's config.id, the same in workers and reporters). */
export interface FiguresFile {
  project: string;
  path: string;
}

interface FiguresLine {
  project: string;
  testPath: string;
  titles: string[];
  /** How many tests of the file before it have the same titles (test.each's, or one title given twice). */
  occurrence?: number;
  bytes: number;
  blocks: number;
}

/**
 * The key a test is found by: its project and file, its describe blocks and title, and for a test whose
 * titles an earlier test of the file has too, which of them it is (in the order the file defines them): two
 * tests named alike took each other's figures.
 */
export function figuresKey(file: FiguresFile, titles: readonly string[], occurrence = 0): string {
  const key = [file.project, file.path, ...titles];
  return JSON.stringify(occurrence > 0 ? [...key, occurrence] : key);
}

/** Appends a test's figures when a reporter asked for them; does nothing otherwise. */
export function recordTestFigures(
  file: FiguresFile,
  titles: readonly string[],
  summary: LeakSummary,
  environment: NodeJS.ProcessEnv = process.env,
  occurrence = 0,
): void {
  const dir = environment[FIGURES_DIR_VARIABLE];
  if (!dir || !fs.existsSync(dir)) return;
  const line: FiguresLine = { project: file.project, testPath: file.path, titles: [...titles], ...(occurrence > 0 ? { occurrence } : {}), bytes: summary.bytes, blocks: summary.blocks };
  fs.appendFileSync(path.join(dir, `${process.pid}.jsonl`), `${JSON.stringify(line)}\n`);
}

/** Every test's figures in dir; a retried test keeps its last attempt's. Unreadable lines are skipped. */
export function readTestFigures(dir: string): Map<string, LeakSummary> {
  const figures = new Map<string, LeakSummary>();
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  } catch {
    return figures;
  }
  for (const file of files) {
    for (const text of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (text.trim() === '') continue;
      try {
        const line = JSON.parse(text) as FiguresLine;
        figures.set(figuresKey({ project: line.project, path: line.testPath }, line.titles, line.occurrence ?? 0), { bytes: line.bytes, blocks: line.blocks });
      } catch {
        // a line cut short by a killed worker: that test simply has no figures
      }
    }
  }
  return figures;
}
