/**
 * @jest-environment-options {"pmm": {"leakThreshold": {"bytes": 600, "blocks": 3}, "stackDepth": 2}}
 */
// The docblock's options replace the configuration's "pmm" key for this file.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test('the docblock options are in force', () => {
  expect(pmm.options.leakThreshold).toEqual({ bytes: 600, blocks: 3 });
  expect(pmm.options.stackDepth).toBe(2);
});

test('a leak within the threshold passes', async () => {
  const result = await pmm.run(fixture('leak_three_blocks'));
  expect(result.summary).toEqual({ bytes: 600, blocks: 3 });
});

test('stackDepth reaches the hook: at most 2 frames a leak', async () => {
  const result = await pmm.run(fixture('leak_three_blocks'));
  expect(Math.max(...result.leaks.map((leak) => leak.frames.length))).toBe(2);
});
