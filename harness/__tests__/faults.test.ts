import { faultFailureDetail, faultOfRun, outOfMemoryNote, PmmFaultError, vmFaultKind } from '../faults';
import type { RunResult } from '../types';

test.each([
  [{ signal: null, timedOut: false }, null],
  [{ signal: 'SIGSEGV', timedOut: false }, 'crash'],
  [{ signal: 'SIGABRT', timedOut: false }, 'crash'],
  [{ signal: 'SIGBUS', timedOut: false }, 'crash'],
  [{ signal: 'SIGKILL', timedOut: false }, 'killed'],
  [{ signal: 'SIGTERM', timedOut: false }, 'killed'],
  [{ signal: 'SIGKILL', timedOut: true }, 'timeout'],
])('%j is a %s', (run, kind) => {
  expect(faultOfRun(run)).toBe(kind);
});

const crashed: RunResult = {
  program: '/bin/crash', args: [], exitCode: null, signal: 'SIGSEGV', timedOut: false, stdout: '', stderr: 'about to crash\n',
  leaks: [{ bytes: 64, blocks: 1, kinds: ['malloc'], frames: [{ address: '0x1', function: 'leak_before_crash', file: '/src/crash.c', line: 10, object: null }] }],
  summary: { bytes: 64, blocks: 1 },
  mismatches: [],
  mismatchedFrees: 0,
};

test('a crash names the signal, its leaks up to then with their stacks, and the end of stderr', () => {
  const detail = faultFailureDetail(crashed, 'crash');
  expect(detail.message).toBe('/bin/crash crashed with SIGSEGV; 64 bytes in 1 block leaked up to then');
  expect(detail.stack).toContain('by leak_before_crash (/src/crash.c:10)');
  expect(detail.stack).toContain('its stderr ended with:\nabout to crash');
  expect(detail.pmmFault).toEqual({ kind: 'crash', program: '/bin/crash', signal: 'SIGSEGV', summary: { bytes: 64, blocks: 1 } });
});

test('a crash after 10 MiB of stderr without a newline quotes only its last few KiB, cut where "…" says', () => {
  const detail = faultFailureDetail({ ...crashed, stderr: `${'x'.repeat(10 << 20)}about to crash` }, 'crash');
  const quoted = detail.stack.slice(detail.stack.indexOf('its stderr ended with:\n'));
  expect(quoted).toMatch(/^its stderr ended with:\n…x+about to crash$/);
  expect(quoted.length).toBeLessThan(5000);
});

test('a timeout before the hook started says nothing was recorded, not that nothing leaked (the JUnit error and the Jest failure)', () => {
  const detail = faultFailureDetail({ ...crashed, signal: 'SIGKILL', timedOut: true, timedOutBeforeHook: true, leaks: [], summary: { bytes: 0, blocks: 0 }, stderr: '' }, 'timeout');
  expect(detail.message).toBe('/bin/crash passed its timeout and was killed; nothing was recorded: the time ran out before the hook started');
  expect(detail.stack).not.toContain('no leaks');
});

test('a signal passed on before the hook started says nothing was recorded, not that nothing leaked', () => {
  const detail = faultFailureDetail({ ...crashed, signal: 'SIGTERM', signalledBeforeHook: true, leaks: [], summary: { bytes: 0, blocks: 0 }, stderr: '' }, 'killed');
  expect(detail.message).toBe('/bin/crash was killed by SIGTERM; nothing was recorded: SIGTERM ended it before the hook started');
  expect(detail.stack).not.toContain('no leaks');
});

test('a timeout without leaks says so, once', () => {
  const detail = faultFailureDetail({ ...crashed, signal: 'SIGKILL', timedOut: true, leaks: [], summary: { bytes: 0, blocks: 0 }, stderr: 'stuck\n' }, 'timeout');
  expect(detail.message).toBe('/bin/crash passed its timeout and was killed; no leaks up to then');
  expect(detail.stack).toBe('/bin/crash passed its timeout and was killed; no leaks up to then\nits stderr ended with:\nstuck');
});

test("a SIGKILL from the guest's out-of-memory killer says so, and what to raise", () => {
  const killed = { ...crashed, signal: 'SIGKILL', oomKills: 1, stderr: '' };
  expect(faultFailureDetail(killed, 'killed').message).toBe(
    '/bin/crash was killed by SIGKILL: the guest ran out of memory (its out-of-memory killer ended 1 process during the run; ' +
      'raise the memoryMiB option or PMM_MEMORY_MIB); 64 bytes in 1 block leaked up to then',
  );
  expect(outOfMemoryNote({ signal: 'SIGKILL', oomKills: 2 })).toContain('ended 2 processes');
  // No kill by it, or another signal: nothing to say.
  expect(outOfMemoryNote({ signal: 'SIGKILL' })).toBeNull();
  expect(outOfMemoryNote({ signal: 'SIGTERM', oomKills: 1 })).toBeNull();
  expect(faultFailureDetail({ ...killed, oomKills: undefined }, 'killed').message).toBe('/bin/crash was killed by SIGKILL; 64 bytes in 1 block leaked up to then');
});

test.each([
  ['the guest kernel panicked: Kernel panic - not syncing: sysrq triggered crash', false, 'kernel-panic'],
  ['the guest kernel oopsed: BUG: kernel NULL pointer dereference', true, 'kernel-panic'],
  ['the guest did not come up within 1 ms', true, 'boot-failure'],
  ['the guest did not answer within 31000 ms', false, 'vm-failure'],
])('a VM error "%s" (booting: %s) is a %s', (message, booting, kind) => {
  expect(vmFaultKind(message, booting)).toBe(kind);
});

test("a cause that is pmm's own message does not say pmm twice", () => {
  const error = new PmmFaultError('boot-failure', '/bin/sh', new Error('pmm: PMM_KERNEL names /nope, which does not exist'));
  expect(error.message).toBe('pmm: the VM did not boot to run /bin/sh: PMM_KERNEL names /nope, which does not exist');
});

test("a boot's failure does not say that the VM did not boot twice", () => {
  const error = new PmmFaultError('boot-failure', '/bin/sh', new Error('the VM did not boot (kernel /k, tcg): the guest did not come up within 1 ms'));
  expect(error.message).toBe('pmm: the VM did not boot to run /bin/sh (kernel /k, tcg): the guest did not come up within 1 ms');
});

test('a PmmFaultError keeps its fault data through JSON, as results from a worker do', () => {
  const error = new PmmFaultError('kernel-panic', '/bin/sh', new Error('the guest kernel panicked: x'));
  expect(error.message).toBe('pmm: the guest kernel panicked while running /bin/sh: the guest kernel panicked: x');
  expect(JSON.parse(JSON.stringify(error))).toEqual({
    name: 'PmmFaultError',
    pmmFault: { kind: 'kernel-panic', program: '/bin/sh', signal: null, summary: { bytes: 0, blocks: 0 } },
  });
});
