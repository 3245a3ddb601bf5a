// `pmm run --junit`'s report of one run, built from a result: every report is checked against junit.xsd in
// the single afterEach.
import { PmmFaultError } from '../../harness/faults';
import { ProgramError } from '../../harness/runProgram';
import type { RunResult } from '../../harness/types';
import { ProducedReports } from '../../reporters/__tests__/validateJunit';
import { errorJunit, runJunit } from '../junitReport';

const produced = new ProducedReports();

afterEach(() => {
  produced.check();
});

const clean: RunResult = {
  program: '/src/build/prog', args: ['--fast'], exitCode: 0, signal: null, timedOut: false, stdout: '', stderr: '',
  leaks: [], summary: { bytes: 0, blocks: 0 }, mismatches: [], mismatchedFrees: 0,
};
const LEAK = { bytes: 64, blocks: 1, kinds: ['malloc'], frames: [{ address: '0x1', function: 'make', file: '/src/prog.c', line: 9, object: null }] };

const junit = (result: RunResult): string => produced.add(runJunit(result, 1_000, 2_000, '/src'));

test('a clean run that exited 0 passes', () => {
  expect(junit(clean)).not.toMatch(/<failure|<error/);
});

test('a status other than 0 is an ExitStatus failure, with the end of the stderr pmm has', () => {
  const xml = junit({ ...clean, exitCode: 2, stderr: 'prog: 3 checks failed\n' });
  expect(xml).toContain('tests="1" failures="1" errors="0"');
  expect(xml).toContain('<failure message="/src/build/prog exited with status 2" type="ExitStatus">/src/build/prog exited with status 2\nits stderr ended with:\nprog: 3 checks failed</failure>');
});

test('a leak stays the failure\'s lead, the status the one more', () => {
  const xml = junit({ ...clean, exitCode: 1, leaks: [LEAK], summary: { bytes: 64, blocks: 1 } });
  expect(xml).toMatch(/<failure message="64 bytes in 1 block leaked \(and 1 more problem\)" type="MemoryLeak">64 bytes in 1 block leaked by [^]*\n\n\/src\/build\/prog exited with status 1<\/failure>/);
});

test('a crash stays a Crash error: a signal has no exit status', () => {
  const xml = junit({ ...clean, exitCode: null, signal: 'SIGSEGV' });
  expect(xml).toMatch(/<error message="\/src\/build\/prog crashed with SIGSEGV; no leaks up to then" type="Crash">/);
  expect(xml).not.toContain('ExitStatus');
});

describe('a run without a result: one case whose <error> is what pmm says', () => {
  const run = { program: './prog', args: ['-v'], startMs: 1_000, cwd: '/src' };

  test.each([
    ['a refusal of pmm\'s', new ProgramError('program does not exist: /src/prog'), 'pmm: program does not exist: /src/prog', 'PmmError'],
    ['a VM that failed', new PmmFaultError('vm-failure', './prog', new Error('the guest did not answer within 31000 ms')), 'pmm: the VM failed while running ./prog: the guest did not answer within 31000 ms', 'VmFailure'],
    ['a VM that did not boot', new PmmFaultError('boot-failure', './prog', new Error('the guest did not come up')), 'pmm: the VM did not boot to run ./prog: the guest did not come up', 'VmBootFailure'],
  ] as const)('%s', (_what, err, message, type) => {
    const xml = produced.add(errorJunit(run, err, 3_000));
    expect(xml).toContain('<testsuites name="pmm run" tests="1" failures="0" errors="1" time="2.000">');
    expect(xml).toContain(`<testcase classname="./prog -v" name="./prog -v" time="2.000" file="prog">`);
    expect(xml).toContain(`<error message="${message}" type="${type}">${message}</error>`);
  });

  test('a bug of pmm\'s: its stack, as pmm prints it', () => {
    const xml = produced.add(errorJunit(run, new TypeError('x is undefined'), 3_000));
    expect(xml).toMatch(/<error message="pmm: TypeError: x is undefined" type="PmmError">pmm: TypeError: x is undefined\n\s+at /);
  });
});
