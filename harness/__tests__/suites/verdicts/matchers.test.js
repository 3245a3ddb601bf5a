// What the matchers declare expected: only what a passing, un-negated toLeak or toHaveMismatchedFrees
// asserted, of the process it was given (the run's program, or one of its children).
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test('matchers: a negated toLeak asserts nothing, and the leak fails the test', async () => {
  const result = await pmm.run(fixture('leak_three_blocks'));
  expect(result).not.toLeak({ bytes: 1 });
});

test("matchers: the program's toLeak leaves its child's leak judged", async () => {
  const result = await pmm.run(fixture('run_in_child'), [fixture('leak_three_blocks')]);
  expect(result).toHaveNoLeaks();
  expect(result).not.toLeak();
});

test("matchers: toLeak on the child declares the child's leak", async () => {
  const result = await pmm.run(fixture('run_in_child'), [fixture('leak_three_blocks')]);
  expect(result.children).toHaveLength(1);
  expect(result.children[0]).toLeak({ bytes: 600, blocks: 3 });
});
