/**
 * @jest-environment-options {"pmm": {"suppressions": ["three_blocks.supp"]}}
 */
// A docblock cannot know where the repository is checked out: its relative path is the project's rootDir's
// (this folder, jest.config.js's rootDir), as Jest reads its own options' paths.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test("suppressions: a docblock's relative path is read from the project's rootDir", async () => {
  expect(pmm.options.suppressions).toEqual([path.join(__dirname, 'three_blocks.supp')]);
  const result = await pmm.run(fixture('leak_three_blocks'));
  expect(result.summary).toEqual({ bytes: 0, blocks: 0 });
  expect(result.suppressed.summary).toEqual({ bytes: 600, blocks: 3 });
});
