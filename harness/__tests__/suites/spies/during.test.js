// Spies made by the tests themselves, restored after each: each test's run must still report its leak.
const cp = require('child_process');
const fs = require('fs');
const path = require('path');
const { mockEveryFunction, CORE_MODULES } = require('./mockEverything');

const leak = path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', 'leak_three_blocks');

afterEach(() => jest.restoreAllMocks());

test('fs.existsSync mocked to return false', async () => {
  jest.spyOn(fs, 'existsSync').mockReturnValue(false);
  await pmm.run(leak);
});

test('fs.readFileSync mocked to return {}', async () => {
  jest.spyOn(fs, 'readFileSync').mockReturnValue('{}');
  await pmm.run(leak);
});

test('child_process.spawn mocked to throw', async () => {
  jest.spyOn(cp, 'spawn').mockImplementation(() => {
    throw new Error('spawn mocked');
  });
  await pmm.run(leak);
});

test.each(CORE_MODULES)('every function of %s mocked to throw', async (name) => {
  mockEveryFunction(require(name), name);
  await pmm.run(leak);
});
