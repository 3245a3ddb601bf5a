// Parallel and distributed runs, each in a child Jest on suites/parallel (two files): `-w 2` boots one VM
// per worker and leaves nothing behind, even when Jest is killed; `--shard i/2` runs one file per shard,
// and `pmm junit-merge` merges the shards' reports into one valid report.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { junitSchemaErrors } from '../../reporters/__tests__/validateJunit';
import { qemuProcesses, ROOT, runChildJest } from './childJest';

const tmpdirs: string[] = [];
afterAll(() => tmpdirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** What a child's VMs left: QEMU processes still running and socket folders still there. */
function leftovers(tmpdir: string): { qemu: number[]; runDirs: string[] } {
  return { qemu: qemuProcesses(tmpdir), runDirs: fs.readdirSync(tmpdir).filter((name) => name.startsWith('pmm-vm-')) };
}

/** Boots seen in a child's console logs (console-PID-N.log), by worker pid. */
function bootsByWorker(tmpdir: string): Map<string, number> {
  const logs = fs.existsSync(path.join(tmpdir, 'pmm-logs')) ? fs.readdirSync(path.join(tmpdir, 'pmm-logs')) : [];
  const boots = new Map<string, number>();
  for (const log of logs) {
    const pid = /^console-(\d+)-\d+\.log$/.exec(log)?.[1];
    if (pid) boots.set(pid, (boots.get(pid) ?? 0) + 1);
  }
  return boots;
}

test('jest -w 2 boots one VM per worker, and no QEMU process or socket is left after', async () => {
  let most = 0;
  let watch: NodeJS.Timeout | undefined;
  const run = await runChildJest('parallel', ['-w', '2'], {
    started: (_child, tmpdir) => {
      watch = setInterval(() => (most = Math.max(most, qemuProcesses(tmpdir).length)), 200);
    },
  });
  clearInterval(watch);
  tmpdirs.push(run.tmpdir);
  expect(run.tests.map((t) => t.status)).toEqual(['passed', 'passed']);
  // Each worker exits when Jest is done with it: none is killed for hanging on (a listener pmm left on
  // the IPC channel held every worker that booted a VM).
  expect(run.stderr).not.toMatch(/failed to exit gracefully/);
  expect([...bootsByWorker(run.tmpdir).values()]).toEqual([1, 1]);
  expect(most).toBeGreaterThanOrEqual(1);
  expect(most).toBeLessThanOrEqual(2);
  expect(leftovers(run.tmpdir)).toEqual({ qemu: [], runDirs: [] });
}, 180_000);

test('when Jest itself is killed mid-run, its workers\' VMs go with it', async () => {
  const run = await runChildJest('parallel', ['-w', '2'], {
    env: { PMM_SUITE_HANG: '1' },
    started: (child, tmpdir) => {
      // Once both VMs are up (each worker's test hangs in a run), kill Jest as a CI runner's timeout would.
      const poll = setInterval(() => {
        if (qemuProcesses(tmpdir).length === 2) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 200);
    },
  });
  tmpdirs.push(run.tmpdir);
  expect(run.status).toBeNull();
  // Workers notice their parent is gone and exit; QEMU follows through its parent-death signal. Gone
  // means not found twice in a row: one empty look (pgrep under load) ended the wait too early once.
  const deadline = Date.now() + 20_000;
  let emptyLooks = 0;
  while (emptyLooks < 2 && Date.now() < deadline) {
    emptyLooks = qemuProcesses(run.tmpdir).length === 0 ? emptyLooks + 1 : 0;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(qemuProcesses(run.tmpdir)).toEqual([]);
}, 180_000);

test('--shard 1/2 and 2/2 each run one file, and pmm junit-merge makes one valid report of both', async () => {
  const shards = await Promise.all([runChildJest('parallel', ['--shard', '1/2']), runChildJest('parallel', ['--shard', '2/2'])]);
  tmpdirs.push(...shards.map((s) => s.tmpdir));
  expect(shards.map((s) => s.tests.length)).toEqual([1, 1]);
  expect(new Set(shards.flatMap((s) => s.tests.map((t) => t.title))).size).toBe(2);
  const inputs = shards.map((s, i) => {
    const file = path.join(s.tmpdir, `shard-${i + 1}.xml`);
    fs.writeFileSync(file, s.junit);
    return file;
  });
  const merged = path.join(shards[0].tmpdir, 'merged.xml');
  const cli = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'pmm.js'), 'junit-merge', merged, ...inputs], { encoding: 'utf8' });
  expect(cli.status).toBe(0);
  const xml = fs.readFileSync(merged, 'utf8');
  expect(junitSchemaErrors(xml)).toBeNull();
  expect(xml).toMatch(/<testsuites name="jest tests" tests="2" failures="0" errors="0"/);
  expect([...xml.matchAll(/<testcase classname="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(['first file: a clean program', 'second file: a clean program']);
}, 180_000);
