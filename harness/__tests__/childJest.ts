// Test helper: runs a child Jest on one of the suites under suites/ (a user's project in miniature) and
// hands back what a user and their CI would see: Jest's JSON results, the JUnit report and the output.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.join(__dirname, '..', '..');

export interface AssertionResult {
  title: string;
  fullName: string;
  status: string;
  failureMessages: string[];
}

export interface ChildJest {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Per file: its path, its tests, and the message of an error outside its tests (e.g. afterAll). */
  files: Array<{ name: string; message: string; tests: AssertionResult[] }>;
  tests: AssertionResult[];
  junit: string;
  /** The child's own temporary folder (its TMPDIR): QEMU's sockets and console logs go there. */
  tmpdir: string;
}

export interface ChildOptions {
  env?: Record<string, string>;
  /** Called with the child once it started, e.g. to watch or kill it. */
  started?: (child: ChildProcess, tmpdir: string) => void;
  timeoutMs?: number;
  /** The Jest to run: the project's (29), or Jest 30 (the jest30 alias among the devDependencies). */
  jest?: 'jest' | 'jest30';
}

export async function runChildJest(suite: string, args: string[] = [], options: ChildOptions = {}): Promise<ChildJest> {
  const { timeoutMs = 170_000 } = options;
  const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), `pmm-child-${suite}-`));
  const junitFile = path.join(tmpdir, 'junit.xml');
  const resultsFile = path.join(tmpdir, 'results.json');
  const child = spawn(
    process.execPath,
    [require.resolve(`${options.jest ?? 'jest'}/bin/jest`), '--config', path.join(__dirname, 'suites', suite, 'jest.config.js'),
      '--json', '--outputFile', resultsFile, '--cacheDirectory', path.join(tmpdir, 'cache'), ...args],
    {
      cwd: ROOT,
      // TMPDIR makes this child's VMs findable by path (pgrep -f) and their leftovers countable.
      env: { ...process.env, TMPDIR: tmpdir, PMM_JUNIT_OUTPUT_FILE: junitFile, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  options.started?.(child, tmpdir);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  const read = (file: string): string => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  const json = read(resultsFile);
  if (json === '' && options.started) return { status, stdout, stderr, files: [], tests: [], junit: read(junitFile), tmpdir };
  if (json === '') throw new Error(`the child Jest on ${suite} wrote no results (status ${status}):\n${stderr.slice(-4000)}`);
  const results = JSON.parse(json) as { testResults: Array<{ name: string; message: string; assertionResults: AssertionResult[] }> };
  const files = results.testResults.map((r) => ({ name: path.basename(r.name), message: r.message, tests: r.assertionResults }));
  return { status, stdout, stderr, files, tests: files.flatMap((f) => f.tests), junit: read(junitFile), tmpdir };
}

/** The test of that title; failing loudly when it is not there, so that a renamed test cannot pass unseen. */
export function testTitled(run: ChildJest, title: string): AssertionResult {
  const found = run.tests.filter((t) => t.title === title);
  if (found.length !== 1) throw new Error(`expected one test titled "${title}", found ${found.length}: ${run.tests.map((t) => t.title).join(' | ')}`);
  return found[0];
}

/** The QEMU processes whose command line holds dir (a child's TMPDIR is in its VMs' socket paths). */
export function qemuProcesses(dir: string): number[] {
  const found = spawnSync('pgrep', ['-f', `qemu-system-x86_64 .*${dir}`], { encoding: 'utf8' });
  return found.stdout.split('\n').filter((line) => line !== '').map(Number);
}
