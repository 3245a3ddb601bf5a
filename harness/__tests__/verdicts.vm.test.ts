// Verdicts as a user's suite gets them, in a child Jest on suites/verdicts: options from the docblock,
// the leak threshold, concurrent tests, runs in beforeAll/afterAll, growth mode, mismatched releases and a
// forked child the hook cannot enter.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { junitSchemaErrors } from '../../reporters/__tests__/validateJunit';
import { runChildJest, testTitled, type ChildJest } from './childJest';

let run: ChildJest;

beforeAll(async () => {
  // mismatch.test.js and unhooked.test.js run the hook's test programs.
  execFileSync('make', ['-C', path.join(__dirname, '..', '..', 'hooklib'), 'test-programs'], { stdio: 'pipe' });
  run = await runChildJest('verdicts', ['-w', '1']);
}, 180_000);

afterAll(() => fs.rmSync(run.tmpdir, { recursive: true, force: true }));

const statusOf = (title: string): string => testTitled(run, title).status;
const messageOf = (title: string): string => testTitled(run, title).failureMessages.join('\n');

test('the JUnit report is valid', () => {
  expect(junitSchemaErrors(run.junit)).toBeNull();
});

describe('options', () => {
  test('the docblock sets options under "pmm" (Jest merges it into testEnvironmentOptions), and a leak within the threshold passes', () => {
    expect(statusOf('the docblock options are in force')).toBe('passed');
    expect(statusOf('a leak within the threshold passes')).toBe('passed');
  });

  test('stackDepth reaches the hook', () => {
    expect(statusOf('stackDepth reaches the hook: at most 2 frames a leak')).toBe('passed');
  });

  test("a docblock's relative suppression file is the project's, and suppresses", () => {
    expect(statusOf("suppressions: a docblock's relative path is read from the project's rootDir")).toBe('passed');
  });

  test('an unknown option in a docblock fails its file, naming the option', () => {
    const file = run.files.find((f) => f.name === 'badoption.test.js');
    expect(file?.message).toMatch(/pmm: unknown option "memoryMB"; known options: accel, kernel, memoryMiB/);
  });
});

describe('a forked child the hook cannot enter', () => {
  test("passes, and the run's output names the child that went unseen", () => {
    expect(statusOf('unhooked: a forked child exec()s a static program')).toBe('passed');
    // The child is named by the image it ran, whose file says why the hook could not enter it.
    expect(run.stderr).toMatch(/^pmm: \S+\/exec_unhooked: forked child \d+ \(\S+\/exec_unhooked_static\) exec\(\)ed a program the hook cannot enter: it is statically linked/m);
  });
});

describe('concurrent tests', () => {
  test('each run is attributed to the test that started it', () => {
    expect(statusOf('concurrent: the leaking one')).toBe('failed');
    expect(messageOf('concurrent: the leaking one')).toContain('600 bytes in 3 blocks leaked by');
    expect(statusOf('concurrent: the clean one')).toBe('passed');
    expect(statusOf('concurrent: also clean')).toBe('passed');
  });

  test('concurrent tests that share a name are refused with a clear message', () => {
    const twins = run.tests.filter((t) => t.title === 'concurrent: twin');
    expect(twins.map((t) => t.status)).toEqual(['failed', 'failed']);
    expect(twins[0].failureMessages.join('\n')).toContain('2 concurrent tests have that name; give them distinct names');
  });
});

describe('runs in beforeAll and afterAll', () => {
  test("a beforeAll's leak fails each test of its block that runs, and only those", () => {
    for (const title of ['hooks: first test of the block', 'hooks: second test of the block']) {
      expect(statusOf(title)).toBe('failed');
      expect(messageOf(title)).toContain('in beforeAll: 600 bytes in 3 blocks leaked by');
    }
    expect(statusOf('hooks: test of the clean block')).toBe('passed');
    // A skipped test of the block stays skipped, with no failure of the beforeAll's.
    expect(testTitled(run, 'hooks: a skipped test of the block')).toMatchObject({ status: 'pending', failureMessages: [] });
  });

  test("a beforeAll's leak that a test of the block asserts with toLeak fails that test and those after it no more", () => {
    expect(statusOf('hooks: a test before the assertion')).toBe('failed');
    expect(messageOf('hooks: a test before the assertion')).toContain('in beforeAll: 600 bytes in 3 blocks leaked by');
    expect(testTitled(run, 'hooks: the test that asserts the leak')).toMatchObject({ status: 'passed', failureMessages: [] });
    expect(testTitled(run, 'hooks: a test after the assertion')).toMatchObject({ status: 'passed', failureMessages: [] });
    // The test that asserted it carries the expected leak's figures (it had 0); the test after it, none.
    expect(run.junit).toMatch(
      /<testcase classname="a block whose beforeAll leaks, asserted by its second test hooks: the test that asserts the leak"[^>]*>\s*<properties>\s*<property name="pmm.leaked.bytes" value="600"\/>\s*<property name="pmm.leaked.blocks" value="3"\/>/,
    );
    expect(run.junit).toMatch(
      /<testcase classname="a block whose beforeAll leaks, asserted by its second test hooks: a test after the assertion"[^>]*>\s*<properties>\s*<property name="pmm.leaked.bytes" value="0"\/>/,
    );
  });

  test("an afterAll's leak fails the file, and JUnit has an error case for it", () => {
    const file = run.files.find((f) => f.name === 'hooks.test.js');
    expect(file?.message).toContain('in afterAll: 600 bytes in 3 blocks leaked by');
    // With the afterAll's figures, so that the report's totals have them.
    expect(run.junit).toMatch(
      /<testcase classname="hooks.test.js"[^>]*>\s*<properties>\s*<property name="pmm.leaked.bytes" value="600"\/>\s*<property name="pmm.leaked.blocks" value="3"\/>\s*<\/properties>\s*<error message="in afterAll: 600 bytes in 3 blocks leaked by/,
    );
  });

  test("a beforeAll's leak in a block whose tests are all todo fails the file, with its figures in the file's JUnit case", () => {
    const file = run.files.find((f) => f.name === 'hooks_todo.test.js');
    expect(file?.message).toContain('in beforeAll: 600 bytes in 3 blocks leaked by');
    expect(statusOf('hooks_todo: a test that runs')).toBe('passed');
    // The case had no figures: the summary's totals left the leak out.
    expect(run.junit).toMatch(
      /<testcase classname="hooks_todo.test.js"[^>]*>\s*<properties>\s*<property name="pmm.leaked.bytes" value="600"\/>\s*<property name="pmm.leaked.blocks" value="3"\/>\s*<\/properties>\s*<error message="in beforeAll: 600 bytes in 3 blocks leaked by/,
    );
  });

  test("an afterAll's leak fails the file when its last test was skipped too", () => {
    const file = run.files.find((f) => f.name === 'hooks_last_skipped.test.js');
    expect(file?.message).toContain('in afterAll: 600 bytes in 3 blocks leaked by');
    expect(statusOf('hooks_last_skipped: a test that runs')).toBe('passed');
    expect(testTitled(run, 'hooks_last_skipped: the last test, skipped')).toMatchObject({ status: 'pending', failureMessages: [] });
  });
});

test("a test that times out while its run goes on: the program is killed and said to be, and the file's next run does not wait", () => {
  expect(statusOf('timeout: a run still going when its test times out')).toBe('failed');
  expect(messageOf('timeout: a run still going when its test times out')).toContain('Exceeded timeout of 3000 ms');
  // The run's own failure says it was killed, without asking whether it was awaited: it was.
  expect(messageOf('timeout: a run still going when its test times out')).toContain(
    'pmm.run(/bin/sleep) had not finished when test "timeout: a run still going when its test times out" ended: it was killed, and what it leaked is not known\n',
  );
  expect(run.stderr).toMatch(/^pmm: \/bin\/sleep: still running, or waiting for the VM, when test "timeout: a run still going when its test times out" ended: killed, so that the runs after it do not wait for it$/m);
  // What it leaked is not known: its JUnit case has no figures (it had a clean test's zeros).
  expect(run.junit).toMatch(/<testcase classname="timeout: a run still going when its test times out"[^>]*>\s*<failure/);
  expect(statusOf('timeout: the next run of the file does not wait for it')).toBe('passed');
});

test('a run not awaited is killed when its test ends and fails it, and what it ends with fails no other test', () => {
  expect(statusOf('timeout: a run not awaited')).toBe('failed');
  expect(messageOf('timeout: a run not awaited')).toMatch(
    /pmm\.run\(\S+\/hang_forever\) had not finished when test "timeout: a run not awaited" ended: it was killed, and what it leaked is not known \(was it awaited\?\)/,
  );
  // Its failure points at the test's call.
  expect(messageOf('timeout: a run not awaited')).toMatch(/at .*timeout\.test\.js:\d+/);
  expect(statusOf('timeout: a run kept to be awaited later')).toBe('failed');
  expect(testTitled(run, 'timeout: a run its test left resolves marked orphaned, and the matchers refuse it')).toMatchObject({ status: 'passed', failureMessages: [] });
  // Its run is never the failure a test.failing one expects: nothing was judged of it.
  expect(statusOf('timeout: a test.failing one that does not await its run fails all the same')).toBe('failed');
  expect(messageOf('timeout: a test.failing one that does not await its run fails all the same')).toContain('it was killed, and what it leaked is not known (was it awaited?)');
  expect(run.stderr).toMatch(/^pmm: \S+\/hang_forever: still running, or waiting for the VM, when test "timeout: a run not awaited" ended: killed, so that the runs after it do not wait for it$/m);
  expect(testTitled(run, 'timeout: the test after a run not awaited is not failed by it')).toMatchObject({ status: 'passed', failureMessages: [] });
});

test('test.failing: a leak is the failure it expects, so it passes; without one it fails as Jest says', () => {
  expect(testTitled(run, 'failing: a leak is the failure a failing test expects')).toMatchObject({ status: 'passed', failureMessages: [] });
  const clean = 'failing: a run that neither leaks nor fails leaves a failing test failed';
  expect(statusOf(clean)).toBe('failed');
  expect(messageOf(clean)).toContain('Failing test passed even though it was supposed to fail');
});

describe('matchers', () => {
  test('a negated toLeak asserts nothing: the leak fails the test', () => {
    const title = 'matchers: a negated toLeak asserts nothing, and the leak fails the test';
    expect(statusOf(title)).toBe('failed');
    expect(messageOf(title)).toContain('600 bytes in 3 blocks leaked by');
  });

  test("a matcher on the run asserts the program's own figures: a child's leak still fails the test", () => {
    const title = "matchers: the program's toLeak leaves its child's leak judged";
    expect(statusOf(title)).toBe('failed');
    expect(messageOf(title)).toMatch(/600 bytes in 3 blocks leaked by \S+run_in_child: forked child \d+ \(\S+leak_three_blocks\)/);
  });

  test("toLeak on one of result.children declares that child's leak", () => {
    expect(statusOf("matchers: toLeak on the child declares the child's leak")).toBe('passed');
  });
});

describe('growth mode', () => {
  test('a program that grows while it runs and frees everything at exit fails, with the figures', () => {
    expect(statusOf('growth: a cache without a bound')).toBe('failed');
    expect(messageOf('growth: a cache without a bound')).toMatch(/grow_then_free grew steadily while it ran: rss \+\d+ bytes/);
    expect(run.junit).toMatch(/<failure message="[^"]*grow_then_free grew steadily[^"]*" type="MemoryGrowth">/);
  });

  test('a program that warms up once and then stays flat passes', () => {
    expect(statusOf('growth: a warm-up, then flat')).toBe('passed');
  });

  test("a forked child's growth fails the test, naming the child; its parent is judged flat", () => {
    const title = 'growth: a forked command that grows';
    expect(statusOf(title)).toBe('failed');
    // The only failure: the test's own assertions (the parent flat, the child growing) held.
    expect(testTitled(run, title).failureMessages).toHaveLength(1);
    expect(messageOf(title)).toMatch(/^\S+\/run_in_child: forked child \d+ \(\S+\/grow_then_free\) grew steadily while it ran: rss \+\d+ bytes/);
    expect(run.junit).toMatch(/<failure message="\S+\/run_in_child: forked child \d+ \(\S+\/grow_then_free\) grew steadily[^"]*" type="MemoryGrowth">/);
  });

  test('a forked child that warms up once and then stays flat passes', () => {
    expect(statusOf('growth: a forked command that warms up, then stays flat')).toBe('passed');
  });
});

test('shares: a folder given in the option is writable in the guest at its own path', () => {
  expect(statusOf('shares: a program writes into a shared folder, and the host reads it')).toBe('passed');
  // Outside them the guest's view is read-only; the run's notice says how to share a folder.
  expect(statusOf('shares: a program that writes outside /tmp and the shares meets a read-only file system, and pmm says how to share')).toBe('passed');
  expect(run.stderr).toContain("pmm: /bin/sh: in the VM the host's files are read-only but for /tmp and the shared folders: the shares option (or PMM_SHARES) makes a folder writable\n");
});

describe('mismatched releases', () => {
  const source = path.join(__dirname, '..', '..', 'hooklib', '__tests__', 'programs', 'mismatched_frees.cc');

  test('a run that releases blocks with the wrong call fails its test, naming both kinds and both stacks', () => {
    const title = 'mismatch: a program that releases blocks with the wrong call';
    expect(statusOf(title)).toBe('failed');
    const message = messageOf(title);
    expect(message).toMatch(/7 blocks released by a mismatched free\/delete in \S+\/mismatched_frees/);
    // The release's stack (where delete was called), then the allocation's; each goes on into libc.
    expect(message).toContain(
      '  new[] block of 40 bytes released with delete\n' +
        `    by array_by_delete (${source}:21)\n` +
        `    by main (${source}:83)\n`,
    );
    expect(message).toContain(
      '  allocated with new[]\n' +
        `    by array_by_delete (${source}:19)\n` +
        `    by main (${source}:83)\n`,
    );
    expect(message).toContain(
      '  new[] block of 24 bytes released with realloc\n' +
        `    by new_by_realloc (${source}:65)\n` +
        `    by main (${source}:89)\n`,
    );
    expect(run.junit).toMatch(/<failure message="7 blocks released by a mismatched free\/delete in [^"]*mismatched_frees" type="MismatchedFree">/);
  });

  test('toHaveMismatchedFrees expects them, and matched pairs give none', () => {
    expect(statusOf('mismatch: the same, checked with toHaveMismatchedFrees')).toBe('passed');
    expect(statusOf('mismatch: only matched pairs')).toBe('passed');
  });
});
