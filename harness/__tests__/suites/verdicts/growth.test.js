// Growth mode: a program that grows while it runs and frees everything at exit fails; one that warms up
// once and then stays flat passes.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test('growth: a cache without a bound', async () => {
  const result = await pmm.run(fixture('grow_then_free'), ['150'], { growth: {} });
  // Freed at exit: a check at exit sees nothing.
  expect(result.summary).toEqual({ bytes: 0, blocks: 0 });
});

test('growth: a warm-up, then flat', async () => {
  const result = await pmm.run(fixture('warm_up_then_flat'), ['150'], { growth: {} });
  expect(result.growth.growing).toBe(false);
});
