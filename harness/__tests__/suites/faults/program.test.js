// Programs that end badly: each test's result says how, with the leaks made up to then.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test('a program that crashes', async () => {
  const result = await pmm.run(fixture('crash_segv'));
  expect(result.signal).toBe('SIGSEGV');
});

test('a program that is killed', async () => {
  await pmm.run(fixture('kill_self'));
});

// In this child Jest's own VM: the out-of-memory killer's report (a call trace) stays out of the dmesg
// that kernel.vm.test.ts reads in the parent's.
test('a program the guest runs out of memory for', async () => {
  await pmm.run(fixture('eat_memory'));
});

test('a program that passes its timeout', async () => {
  await pmm.run(fixture('hang_forever'), [], { timeoutMs: 1500 });
});

test('a crash the test expects', async () => {
  const result = await pmm.run(fixture('crash_segv'), [], { allowFault: true });
  expect(result.signal).toBe('SIGSEGV');
  expect(result).toLeak({ bytes: 64, blocks: 1 });
});

// The README's example: what it held when it died (here 64 bytes) does not fail the test.
test('a crash the test expects, its blocks not asserted', async () => {
  const result = await pmm.run(fixture('crash_segv'), [], { allowFault: true });
  expect(result.signal).toBe('SIGSEGV');
});
