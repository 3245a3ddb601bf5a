// Runs in beforeAll and afterAll: a beforeAll's leak fails each test of its block that runs (as a beforeAll
// that throws does), an afterAll's fails the file.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

describe('a block whose beforeAll leaks', () => {
  beforeAll(async () => {
    await pmm.run(fixture('leak_three_blocks'));
  });

  test('hooks: first test of the block', () => {});
  test('hooks: second test of the block', () => {});
  test.skip('hooks: a skipped test of the block', () => {});
});

// A known leak, run once for the block: the test that asserts it passes, and so do those after it.
describe('a block whose beforeAll leaks, asserted by its second test', () => {
  let known;
  beforeAll(async () => {
    known = await pmm.run(fixture('leak_three_blocks'));
  });

  test('hooks: a test before the assertion', () => {});
  test('hooks: the test that asserts the leak', () => {
    expect(known).toLeak({ bytes: 600, blocks: 3 });
  });
  test('hooks: a test after the assertion', () => {});
});

describe('a block whose beforeAll is clean', () => {
  beforeAll(async () => {
    await pmm.run(fixture('clean_exit'));
  });

  test('hooks: test of the clean block', () => {});
});

afterAll(async () => {
  await pmm.run(fixture('leak_three_blocks'));
});
