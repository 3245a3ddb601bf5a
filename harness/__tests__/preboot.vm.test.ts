// The environment boots its VM before a file's first test, so that the boot (seconds under TCG, more with
// the KVM probe) never counts against a test's timeout; and boots none for a file none of whose tests run.
import * as fs from 'fs';
import { runChildJest, testTitled, type ChildJest } from './childJest';

const runs: ChildJest[] = [];
afterAll(() => runs.forEach((run) => fs.rmSync(run.tmpdir, { recursive: true, force: true })));

test('a file whose first test runs a program at once passes under a 1-second test timeout', async () => {
  const run = await runChildJest('preboot', ['-t', 'first run']);
  runs.push(run);
  expect(testTitled(run, 'the first run of the file')).toMatchObject({ status: 'passed', failureMessages: [] });
  expect(run.stderr).toContain('pmm: booting the guest VM');
  expect(run.status).toBe(0);
}, 180_000);

test('a file none of whose tests run boots no VM', async () => {
  const run = await runChildJest('preboot', ['-t', 'no test is called this']);
  runs.push(run);
  expect(run.tests.map((t) => t.status)).toEqual(['pending', 'pending']);
  expect(run.stderr).not.toContain('pmm: booting the guest VM');
  expect(run.status).toBe(0);
}, 180_000);
