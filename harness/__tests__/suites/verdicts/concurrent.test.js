// Concurrent tests all start before any finishes; each run still belongs to the test that started it.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test.concurrent('concurrent: the leaking one', async () => {
  await pmm.run(fixture('leak_three_blocks'));
});

test.concurrent('concurrent: the clean one', async () => {
  await pmm.run(fixture('clean_exit'));
});

test.concurrent('concurrent: also clean', async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  await pmm.run(fixture('clean_exit'));
});

test.concurrent('concurrent: twin', async () => {
  await pmm.run(fixture('clean_exit'));
});

test.concurrent('concurrent: twin', async () => {
  await pmm.run(fixture('clean_exit'));
});
