// A beforeAll's leak in a block whose tests are all todo: no test of the block runs to fail for it, so it
// fails the file, and the file's JUnit case carries its figures.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

describe('hooks_todo: a block with only todo tests', () => {
  beforeAll(async () => {
    await pmm.run(fixture('leak_three_blocks'));
  });

  test.todo('hooks_todo: a todo');
});

test('hooks_todo: a test that runs', () => {});
