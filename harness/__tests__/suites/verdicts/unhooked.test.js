// A forked child that exec()s a program the hook cannot enter (statically linked): what that image
// allocates is not seen. The test is not failed for it (a test that runs, say, ping through a shell would
// always fail), but the run's output says which child went unseen.
const path = require('path');

const bin = path.join(__dirname, '..', '..', '..', '..', 'hooklib', '__tests__', 'programs', 'bin');

test('unhooked: a forked child exec()s a static program', async () => {
  const result = await pmm.run(path.join(bin, 'exec_unhooked'), ['child', path.join(bin, 'exec_unhooked_static')]);
  expect(result.children.map((child) => child.unhooked)).toEqual([true]);
  // The program's own block from before the fork, expected here.
  expect(result).toLeak({ bytes: 33, blocks: 1 });
});
