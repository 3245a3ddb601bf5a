import { constants } from 'os';
import { ProgramError, ProgramStartError } from '../../harness/programError';
import { errorExitStatus, exitStatus } from '../exitStatus';

test.each([
  [{ exitCode: 0, signal: null, timedOut: false }, false, 0],
  [{ exitCode: 0, signal: null, timedOut: false }, true, 1],
  [{ exitCode: 3, signal: null, timedOut: false }, true, 3],
  [{ exitCode: 3, signal: null, timedOut: false }, false, 3],
  [{ exitCode: null, signal: 'SIGSEGV', timedOut: false }, true, 139],
  // As a shell gives it: 128 and the signal's number, real-time signals (as pmd names them) too.
  [{ exitCode: null, signal: 'SIGRTMIN+1', timedOut: false }, false, 163],
  [{ exitCode: null, signal: 'SIGPOLL', timedOut: false }, false, 157],
  [{ exitCode: null, signal: 'SIGKILL', timedOut: true }, false, 124],
])('%j leaked=%s exits %i', (result, leaked, status) => {
  expect(exitStatus(result, leaked)).toBe(status);
});

// --error-exitcode N, as valgrind's: N for a run that leaked, whatever the program's status; 0: the program's.
test.each([
  [{ exitCode: 0, signal: null, timedOut: false }, true, 42, 42],
  [{ exitCode: 3, signal: null, timedOut: false }, true, 42, 42],
  [{ exitCode: 3, signal: null, timedOut: false }, false, 42, 3],
  [{ exitCode: 0, signal: null, timedOut: false }, false, 42, 0],
  [{ exitCode: 0, signal: null, timedOut: false }, true, 0, 0],
  [{ exitCode: 5, signal: null, timedOut: false }, true, 0, 5],
  // A program that did not finish says so still.
  [{ exitCode: null, signal: 'SIGSEGV', timedOut: false }, true, 42, 139],
  [{ exitCode: null, signal: 'SIGKILL', timedOut: true }, true, 42, 124],
])('%j leaked=%s --error-exitcode %i exits %i', (result, leaked, errorExitCode, status) => {
  expect(exitStatus(result, leaked, errorExitCode)).toBe(status);
});

// A run that never ran its program: 127 and 126 as a shell, env(1) and valgrind give them; pmm's own failure 3.
test.each([
  ['a missing program', new ProgramStartError('program does not exist: /p', true), 127],
  ['a program there but not to be run', new ProgramStartError('program is not executable: /p', false), 126],
  ["execve's ENOENT (a #! interpreter missing)", ProgramStartError.ofExec('cannot start /p: ...', constants.errno.ENOENT), 127],
  ["execve's E2BIG", ProgramStartError.ofExec('cannot start /p: ...', constants.errno.E2BIG), 126],
  ["execve's EACCES", ProgramStartError.ofExec('cannot start /p: ...', constants.errno.EACCES), 126],
  ['a refusal of pmm\'s (a bad option, a working directory the guest lacks)', new ProgramError('option "cwd": ...'), 3],
  ['any other failure', new Error('the guest channel closed'), 3],
])('%s exits %i', (_what, err, status) => {
  expect(errorExitStatus(err)).toBe(status);
});
