/**
 * @jest-environment-options {"pmm": {"memoryMiB": 1000}}
 */
// Spies made as the file loads, before the environment boots its VM (at run_start, after the file's own
// code): the boot (QEMU's process, its sockets, its folders) and the run must not meet them. Its own
// memoryMiB gives this file a VM of its own, booted for it whichever file of the suite runs first. Jest
// itself uses fs and path until the tests start: of those, only what the boot uses is mocked.
const fs = require('fs');
const path = require('path');
const { mockEveryFunction } = require('./mockEverything');

const leak = path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', 'leak_three_blocks');

for (const name of ['child_process', 'net', 'os', 'readline', 'crypto']) mockEveryFunction(require(name), name);
for (const name of ['existsSync', 'readFileSync', 'statSync', 'mkdtempSync', 'mkdirSync', 'createWriteStream', 'readdirSync', 'rmSync']) {
  jest.spyOn(fs, name).mockImplementation(() => {
    throw new Error(`fs.${name} was called: the test mocked it`);
  });
}

afterAll(() => jest.restoreAllMocks());

test('a run while every function of the core modules pmm uses is mocked to throw, since before the boot', async () => {
  await pmm.run(leak);
});
