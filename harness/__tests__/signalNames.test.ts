// Signal names as pmd gives them in the guest (glibc's sigabbrev_np, SIGRTMIN+N), and back.
import { signalName, signalNumber } from '../signalNames';

test.each([
  [2, 'SIGINT'],
  [6, 'SIGABRT'], // Node's table also has SIGIOT
  [16, 'SIGSTKFLT'],
  [29, 'SIGPOLL'], // and SIGIO
  [31, 'SIGSYS'],
  [32, 'SIG32'], // the C library's own
  [34, 'SIGRTMIN+0'],
  [35, 'SIGRTMIN+1'],
  [64, 'SIGRTMIN+30'],
  [65, 'SIG65'],
])('signal %d is %s', (signal, name) => {
  expect(signalName(signal)).toBe(name);
});

test('every name signalName gives is read back as its number', () => {
  for (let signal = 1; signal <= 65; signal++) expect(signalNumber(signalName(signal))).toBe(signal);
});

test.each([
  ['SIGIOT', 6],
  ['SIGIO', 29],
  ['SIGRTMIN+31', null], // past SIGRTMAX
  ['SIGBOGUS', null],
  ['INT', null],
])('%s is %p', (name, signal) => {
  expect(signalNumber(name)).toBe(signal);
});
