// One of two files; PMM_SUITE_HANG makes its test hang, so that a test can kill Jest in the middle.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test('second file: a clean program', async () => {
  if (process.env.PMM_SUITE_HANG === '1') await pmm.run(fixture('hang_forever'), [], { timeoutMs: 0 });
  const result = await pmm.run(fixture('clean_exit'));
  expect(result.exitCode).toBe(0);
});
