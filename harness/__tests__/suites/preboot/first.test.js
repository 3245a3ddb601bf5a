// The file's first test runs a program at once: the VM was booted before it, outside its timeout.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test('the first run of the file', async () => {
  expect((await pmm.run(fixture('clean_exit'))).exitCode).toBe(0);
});

test('a second test', async () => {
  expect((await pmm.run(fixture('clean_exit'))).exitCode).toBe(0);
});
