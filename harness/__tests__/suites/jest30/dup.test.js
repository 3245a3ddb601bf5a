// Two tests of one title: Jest 30 runs both, and each has its own verdict, figures and line in JUnit.
const path = require('path');

const fixtures = path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin');

test('dup', async () => {
  await pmm.run(path.join(fixtures, 'clean_exit'));
});

test('dup', async () => {
  await pmm.run(path.join(fixtures, 'leak_three_blocks'));
});
