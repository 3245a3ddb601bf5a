import { exitStatus } from '../exitStatus';

test.each([
  [{ exitCode: 0, signal: null, timedOut: false }, false, 0],
  [{ exitCode: 0, signal: null, timedOut: false }, true, 1],
  [{ exitCode: 3, signal: null, timedOut: false }, true, 3],
  [{ exitCode: 3, signal: null, timedOut: false }, false, 3],
  [{ exitCode: null, signal: 'SIGSEGV', timedOut: false }, true, 139],
  [{ exitCode: null, signal: 'SIGKILL', timedOut: true }, false, 124],
])('%j leaked=%s exits %i', (result, leaked, status) => {
  expect(exitStatus(result, leaked)).toBe(status);
});
