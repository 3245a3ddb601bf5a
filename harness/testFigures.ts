// Each test's leak figures, passed from the environment (in Jest's workers) to the JUnit reporter (in
// Jest's main process). Jest carries only failures' details back, so a passing test's figures (none leaked,
// or a leak it expected) take this side way: the reporter names a folder in the environment before the
// workers start, each worker appends one JSON line per test to a file of its own, and the reporter reads
// them all when the run is complete.
import * as fs from 'fs';
import * as path from 'path';
import type { LeakSummary } from './types';

export const FIGURES_DIR_VARIABLE = 'PMM_JUNIT_FIGURES_DIR';

interface FiguresLine {
  testPath: string;
  titles: string[];
  bytes: number;
  blocks: number;
}

/** The key a test is found by: its file and its describe blocks and title. */
export function figuresKey(testPath: string, titles: readonly string[]): string {
  return JSON.stringify([testPath, ...titles]);
}

/** Appends a test's figures when a reporter asked for them; does nothing otherwise. */
export function recordTestFigures(
  testPath: string,
  titles: readonly string[],
  summary: LeakSummary,
  environment: NodeJS.ProcessEnv = process.env,
): void {
  const dir = environment[FIGURES_DIR_VARIABLE];
  if (!dir || !fs.existsSync(dir)) return;
  const line: FiguresLine = { testPath, titles: [...titles], bytes: summary.bytes, blocks: summary.blocks };
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
        figures.set(figuresKey(line.testPath, line.titles), { bytes: line.bytes, blocks: line.blocks });
      } catch {
        // a line cut short by a killed worker: that test simply has no figures
      }
    }
  }
  return figures;
}
