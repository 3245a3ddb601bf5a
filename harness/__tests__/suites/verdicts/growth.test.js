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

// run_in_child forks the command, so the process that grows is one of the run's children; it allocates nothing itself.
const inChild = (name) => [fixture(name), '150'];

test('growth: a forked command that grows', async () => {
  const result = await pmm.run(fixture('run_in_child'), inChild('grow_then_free'), { growth: {} });
  expect(result.growth.growing).toBe(false);
  expect(result.children.map((child) => child.growth.growing)).toEqual([true]);
});

test('growth: a forked command that warms up, then stays flat', async () => {
  const result = await pmm.run(fixture('run_in_child'), inChild('warm_up_then_flat'), { growth: {} });
  expect(result.children.map((child) => child.growth.growing)).toEqual([false]);
  expect(result.children[0].samples.length).toBeGreaterThanOrEqual(8);
});
