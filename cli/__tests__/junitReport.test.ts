// `pmm run --junit`'s report of one run, built from a result: every report is checked against junit.xsd in
// the single afterEach.
import type { RunResult } from '../../harness/types';
import { ProducedReports } from '../../reporters/__tests__/validateJunit';
import { runJunit } from '../junitReport';

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
  expect(xml).toMatch(/<failure message="64 bytes in 1 block leaked \(and 1 more\)" type="MemoryLeak">64 bytes in 1 block leaked by [^]*\n\n\/src\/build\/prog exited with status 1<\/failure>/);
});

test('a crash stays a Crash error: a signal has no exit status', () => {
  const xml = junit({ ...clean, exitCode: null, signal: 'SIGSEGV' });
  expect(xml).toMatch(/<error message="\/src\/build\/prog crashed with SIGSEGV; no leaks up to then" type="Crash">/);
  expect(xml).not.toContain('ExitStatus');
});
