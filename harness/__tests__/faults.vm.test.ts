// Faults are results: a child Jest on suites/faults, where programs crash, are killed (one by the guest's
// out-of-memory killer) and time out, the guest kernel panics and a VM does not boot. Each gives its test
// a clear error, in Jest and in JUnit.
import * as fs from 'fs';
import { junitSchemaErrors } from '../../reporters/__tests__/validateJunit';
import { runChildJest, testTitled, type ChildJest } from './childJest';

let run: ChildJest;

beforeAll(async () => {
  run = await runChildJest('faults', ['-w', '1']);
}, 180_000);

afterAll(() => fs.rmSync(run.tmpdir, { recursive: true, force: true }));

const messageOf = (title: string): string => testTitled(run, title).failureMessages.join('\n');

test('the suite fails', () => {
  expect(run.status).toBe(1);
});

test.each([
  ['a program that crashes', /crash_segv crashed with SIGSEGV; 64 bytes in 1 block leaked up to then/, /by leak_before_crash \(.*crash_segv\.c:\d+\)/],
  ['a program that is killed', /kill_self was killed by SIGKILL; 32 bytes in 1 block leaked up to then/, /by leak_before_kill \(.*kill_self\.c:\d+\)/],
  [
    'a program the guest runs out of memory for',
    /eat_memory was killed by SIGKILL: the guest ran out of memory \(its out-of-memory killer ended \d+ process(es)? during the run; raise the memoryMiB option or PMM_MEMORY_MIB\); \d+ bytes in \d+ blocks leaked up to then/,
    /by main \(.*eat_memory\.c:\d+\)/,
  ],
  ['a program that passes its timeout', /hang_forever passed its timeout and was killed; 16 bytes in 1 block leaked up to then/, /by leak_before_hang/],
])('%s fails with what happened and its leaks up to then, their stacks once', (title, headline, frame) => {
  expect(testTitled(run, title).status).toBe('failed');
  expect(messageOf(title)).toMatch(headline);
  expect(messageOf(title).match(new RegExp(frame.source, 'g'))).toHaveLength(1);
});

test('a crash the test expects (allowFault) passes, also when it does not assert the blocks the program held', () => {
  expect(testTitled(run, 'a crash the test expects').status).toBe('passed');
  expect(testTitled(run, 'a crash the test expects, its blocks not asserted').status).toBe('passed');
});

test('a guest kernel panic fails its test with the console excerpt, and the next run gets a fresh VM', () => {
  expect(testTitled(run, 'a guest kernel panic').status).toBe('failed');
  expect(messageOf('a guest kernel panic')).toMatch(/the guest kernel panicked while running \/bin\/sh/);
  expect(messageOf('a guest kernel panic')).toMatch(/guest console \(.*\):\n[\s\S]*sysrq/i);
  // Quoted once, not again by the run that met the panic.
  expect(messageOf('a guest kernel panic').match(/guest console \(/g)).toHaveLength(1);
  expect(testTitled(run, 'the run after a panic gets a fresh VM').status).toBe('passed');
  // The new VM was booted before that test began, so its timeout did not pay for the boot.
  const begins = run.stderr.indexOf('faults: the test after the panic begins');
  const boots = [...run.stderr.matchAll(/^pmm: booting the guest VM/gm)].map((m) => m.index ?? 0);
  expect(begins).toBeGreaterThan(0);
  expect(boots.filter((at) => at < begins).length).toBeGreaterThanOrEqual(2);
  expect(run.stderr.slice(begins).split('\n')[1]).not.toMatch(/^pmm: booting the guest VM/);
});

test('a VM that does not boot fails its test, naming the timeout', () => {
  expect(testTitled(run, 'a VM that does not boot').status).toBe('failed');
  expect(messageOf('a VM that does not boot')).toMatch(/the VM did not boot to run .*clean_exit \(kernel [^)]*\): .*within 1 ms/);
});

test('JUnit: faults are <error>s of their own types, valid against the XSD, with file and line', () => {
  expect(junitSchemaErrors(run.junit)).toBeNull();
  const typeOf = (name: string): string | undefined =>
    new RegExp(`<testcase classname="${name}"[^>]*>[\\s\\S]*?<(error|failure) message="[^"]*" type="(\\w+)"`).exec(run.junit)?.slice(1).join(' ');
  expect(typeOf('a program that crashes')).toBe('error Crash');
  expect(typeOf('a program that is killed')).toBe('error Killed');
  expect(typeOf('a program the guest runs out of memory for')).toBe('error Killed');
  expect(typeOf('a program that passes its timeout')).toBe('error Timeout');
  expect(typeOf('a guest kernel panic')).toBe('error KernelPanic');
  expect(typeOf('a VM that does not boot')).toBe('error VmBootFailure');
  expect(run.junit).toMatch(/<testcase classname="a program that crashes" name="a program that crashes" time="[\d.]+" file="program.test.js" line="6">/);
  expect(run.junit).toContain('<property name="pmm.fault" value="crash"/>');
});

test('the summary on stderr counts the errors by type', () => {
  expect(run.stderr).toMatch(/pmm: 9 tests in 3 files: 3 passed, 0 failed, 6 errors \(.*1 Crash.*\), 0 skipped/);
  expect(run.stderr).toMatch(/pmm: JUnit report: .*junit\.xml/);
});
