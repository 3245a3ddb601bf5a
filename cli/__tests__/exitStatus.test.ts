import { exitStatus } from '../exitStatus';

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
