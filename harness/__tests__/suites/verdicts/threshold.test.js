/**
 * @jest-environment-options {"pmm": {"leakThreshold": {"bytes": 600, "blocks": 3}, "stackDepth": 2}}
 */
// The docblock's options replace the configuration's "pmm" key for this file.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test('the docblock options are in force', () => {
  expect(pmm.options.leakThreshold).toEqual({ bytes: 600, blocks: 3 });
  expect(pmm.options.stackDepth).toBe(2);
  // Read-only all through: a test cannot raise the threshold (or change env) for the runs after it.
  expect(() => {
    'use strict';
    pmm.options.leakThreshold.blocks = 99;
  }).toThrow(TypeError);
  expect(Object.isFrozen(pmm.options.env)).toBe(true);
  expect(pmm.options.leakThreshold).toEqual({ bytes: 600, blocks: 3 });
});

test('a leak within the threshold passes', async () => {
  const result = await pmm.run(fixture('leak_three_blocks'));
  expect(result.summary).toEqual({ bytes: 600, blocks: 3 });
});

test('stackDepth reaches the hook: at most 2 frames a leak', async () => {
  const result = await pmm.run(fixture('leak_three_blocks'));
  expect(Math.max(...result.leaks.map((leak) => leak.frames.length))).toBe(2);
});
