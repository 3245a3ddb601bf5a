// pmm under Jest 30 (its peerDependencies take 29 or 30), in a child Jest 30 on suites/jest30: what Jest
// 30 tells apart that Jest 29 cannot.
import * as fs from 'fs';
import { runChildJest, type ChildJest } from './childJest';

let run: ChildJest;

beforeAll(async () => {
  run = await runChildJest('jest30', ['-w', '1'], { jest: 'jest30' });
}, 180_000);

afterAll(() => fs.rmSync(run.tmpdir, { recursive: true, force: true }));

test("a run a test's timer starts after the test ended fails the file with its leak (it was filed under the ended test: no test leaked)", () => {
  const late = run.files.find((f) => f.name === 'late.test.js')!;
  expect(late.tests.map((t) => t.status)).toEqual(['passed', 'passed']);
  expect(late.message).toMatch(/bytes in 3 blocks leaked by .*leak_three_blocks/);
  expect(run.stderr).toContain('started after test "late: leaves a timer that runs a leaking program, and ends" ended: its result fails the file instead');
  expect(run.status).toBe(1);
});

test('such a run left going when the file ends is killed then, and fails the file', () => {
  const late = run.files.find((f) => f.name === 'late_unfinished.test.js')!;
  expect(late.tests.map((t) => t.status)).toEqual(['passed', 'passed']);
  expect(late.message).toMatch(/pmm\.run\(\S+\/hang_forever\) had not finished when the file ended: it was killed, and what it leaked is not known/);
});

test("two tests of one title: each its own verdict, figures and line in the JUnit report (they took each other's figures, and the leak was counted twice)", () => {
  const dup = run.files.find((f) => f.name === 'dup.test.js')!;
  expect(dup.tests.map((t) => t.status)).toEqual(['passed', 'failed']);
  const cases = [...run.junit.matchAll(/<testcase classname="dup" name="dup" [^>]*line="(\d+)"[^>]*>([\s\S]*?)<\/testcase>/g)];
  const bytes = (body: string) => /<property name="pmm\.leaked\.bytes" value="(\d+)"\/>/.exec(body)?.[1];
  expect(cases.map(([, line, body]) => [line, bytes(body)])).toEqual([['6', '0'], ['10', expect.stringMatching(/^[1-9]\d*$/)]]);
});
