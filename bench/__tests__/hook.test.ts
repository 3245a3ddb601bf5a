// bench/hook.js (npm run bench:hook) end to end with small sizes: it runs every variant, in the VM and on
// the host, checks that none leaked under the hook, and prints each table with a figure in every cell.
// Only that it works is tested here; its figures are the benchmark's, in the README.
import { spawnSync } from 'child_process';
import * as path from 'path';

const script = path.join(__dirname, '..', 'hook.js');
const small = { BENCH_VM_PAIRS: '2000', BENCH_HOST_PAIRS: '2000', BENCH_VM_SPAWNS: '3', BENCH_HOST_SPAWNS: '3', BENCH_RUNS: '1', BENCH_COUNT_PAIRS: '2000' };

/** The cells of each Markdown table row whose first cell is one of names. */
function rows(text: string, names: string[]): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('| '))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()))
    .filter((cells) => names.includes(cells[0]));
}

test('runs every variant and prints each table, a figure in every cell', () => {
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, ...small }, timeout: 600_000 });
  expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
  const figure = /^\d+(\.\d+)?( \(\d+\.\d\dx\))?$/;

  const threads = rows(run.stdout, ['1', '4']);
  // The VM's table (plain and five variants), then the host's (plain, five, valgrind and heaptrack).
  expect(threads.map((cells) => [cells[0], cells.length])).toEqual([['1', 7], ['4', 7], ['1', 9], ['4', 9]]);
  for (const cells of threads) for (const cell of cells.slice(1)) expect(cell).toMatch(figure);

  // Instructions per pair: plain, then the four variants with their ratios.
  const counts = rows(run.stdout, ['instructions']);
  expect(counts.map((cells) => cells.length)).toEqual([6]);
  for (const cell of counts[0].slice(1)) expect(cell).toMatch(figure);

  const starts = rows(run.stdout, ['in the VM', 'on the host (host mode)']);
  expect(starts.map((cells) => cells[0])).toEqual(['in the VM', 'on the host (host mode)']);
  for (const cells of starts) for (const cell of cells.slice(1)) expect(cell).toMatch(/^-?\d+\.\d\d$/);
}, 600_000);
