// A run that a test's timer starts after the test ended: Jest 30 still names that test as its caller,
// but the test's failures were taken when it ended. The run's leak fails the file.
const path = require('path');

const leak = path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', 'leak_three_blocks');

test('late: leaves a timer that runs a leaking program, and ends', () => {
  setTimeout(() => {
    globalThis.lateRun = pmm.run(leak);
  }, 10);
});

test('late: the next test waits for that run', async () => {
  while (globalThis.lateRun === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
  const result = await globalThis.lateRun;
  expect(result.summary.blocks).toBe(3);
});
