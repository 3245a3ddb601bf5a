// A guest kernel panic is the test's error with the console excerpt; the next run gets a new VM.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test('a guest kernel panic', async () => {
  // As root in the guest, without the hook: sysrq "c" makes the kernel panic on purpose.
  await pmm.run('/bin/sh', ['-c', 'echo c > /proc/sysrq-trigger'], { hook: false });
});

test('the run after a panic gets a fresh VM', async () => {
  // Said on the worker's stderr, as pmm's boot notice is: the boot comes before this test begins.
  process.stderr.write('faults: the test after the panic begins\n');
  const result = await pmm.run(fixture('clean_exit'));
  expect(result.exitCode).toBe(0);
});
