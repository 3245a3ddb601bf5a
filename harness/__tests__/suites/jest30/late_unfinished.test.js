// A run a test's timer starts after the test ended, which nobody awaits: it is the file's, and is still
// going when the file ends. It is killed then, and fails the file: what it leaked is not known.
const path = require('path');

const hang = path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', 'hang_forever');

test('late_unfinished: leaves a timer that starts a run nobody awaits', () => {
  setTimeout(() => {
    pmm.run(hang);
  }, 10);
});

test('late_unfinished: the next test lets the timer fire', async () => {
  await new Promise((resolve) => setTimeout(resolve, 300));
});
