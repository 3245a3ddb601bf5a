// Run by both projects of jest.config.js; the project's options name the program.
const path = require('path');

const program = pmm.options.env.PMM_SUITE_PROGRAM;
const fixture = path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', program);

test('the project runs its program', async () => {
  const result = await pmm.run(fixture);
  if (program === 'leak_three_blocks') expect(result).toLeak({ bytes: 600, blocks: 3 });
  else expect(result).toHaveNoLeaks();
});
