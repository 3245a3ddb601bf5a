// The pmm command's answers to bad input (each a clear message, a distinct status, and no VM booted), and what
// it says of a run on the host.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli', 'pmm.js');

function pmm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('a program that does not exist', () => {
  const run = pmm('run', '--', '/nonexistent/program');
  expect(run.stderr).toBe('pmm: program does not exist: /nonexistent/program\n');
  expect(run.status).toBe(3);
});

test('a program that is not executable', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-cli-'));
  const file = path.join(dir, 'data.txt');
  fs.writeFileSync(file, 'not a program\n', { mode: 0o644 });
  const run = pmm('run', '--', file);
  expect(run.stderr).toBe(`pmm: program is not executable: ${file}\n`);
  expect(run.status).toBe(3);
  fs.rmSync(dir, { recursive: true });
});

test('a folder is not a program', () => {
  const run = pmm('exec', '--', '/tmp');
  expect(run.stderr).toBe('pmm: program is not a file: /tmp\n');
});

test('a name not on PATH', () => {
  const run = pmm('exec', '--', 'no-such-command-pmm');
  expect(run.stderr).toBe('pmm: program not found on PATH: no-such-command-pmm\n');
});

test('usage errors print the usage and exit 2', () => {
  const run = pmm('run', '--timeout', 'soon', '--', '/bin/true');
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/^pmm: --timeout wants a number of seconds/);
  expect(run.stderr).toContain('usage:');
});

test('--help', () => {
  const run = pmm('--help');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('pmm run [--json]');
  expect(run.stdout).toContain('pmm junit-merge OUT.xml IN.xml');
});

test('run --host: a forked child that exec()ed a program the hook cannot enter is said, with its pid', () => {
  const bin = path.join(root, 'hooklib', '__tests__', 'programs', 'bin');
  execFileSync('make', ['-C', path.join(root, 'hooklib'), 'all', 'test-programs'], { stdio: 'pipe' });
  const program = path.join(bin, 'exec_unhooked');
  const run = pmm('run', '--host', '--', program, 'child', path.join(bin, 'exec_unhooked_static'));
  // The program's own leak is the status; the child's unseen allocations are said, not guessed at.
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(
    new RegExp(`^pmm: ${program}: forked child \\d+ exec\\(\\)ed a program the hook cannot enter \\(statically linked or set-user-ID\\): what it allocated after that exec was not seen$`, 'm'),
  );
}, 60_000);
