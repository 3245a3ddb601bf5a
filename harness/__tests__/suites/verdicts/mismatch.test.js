// Mismatched releases: a run that deletes a new[] block (and the rest of mismatched_frees.cc's kinds) fails
// its test with both kinds and both stacks, whatever the leak threshold; toHaveMismatchedFrees expects them.
const path = require('path');

const program = path.join(__dirname, '..', '..', '..', '..', 'hooklib', '__tests__', 'programs', 'bin', 'mismatched_frees');

test('mismatch: a program that releases blocks with the wrong call', async () => {
  const result = await pmm.run(program);
  expect(result.exitCode).toBe(0);
});

test('mismatch: the same, checked with toHaveMismatchedFrees', async () => {
  const result = await pmm.run(program);
  expect(result).toHaveMismatchedFrees(7);
});

test('mismatch: only matched pairs', async () => {
  const result = await pmm.run(program, ['matched']);
  expect(result.mismatches).toEqual([]);
});
