// What a user's test looks like: run a native program under pmm; a leak fails the test by itself.
// The second test is meant to fail: it shows what a leak looks like in Jest and in the JUnit report.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', 'fixtures', 'bin', name);

test('clean_exit frees everything it allocates', async () => {
  const result = await pmm.run(fixture('clean_exit'));
  expect(result.exitCode).toBe(0);
});

test('leak_three_blocks runs fine, but leaks', async () => {
  const result = await pmm.run(fixture('leak_three_blocks'));
  expect(result.exitCode).toBe(0);
});
