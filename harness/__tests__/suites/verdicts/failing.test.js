// test.failing passes when its test fails: a leak pmm finds is such a failure.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test.failing('failing: a leak is the failure a failing test expects', async () => {
  await pmm.run(fixture('leak_three_blocks'));
});

test.failing('failing: a run that neither leaks nor fails leaves a failing test failed', async () => {
  await pmm.run(fixture('clean_exit'));
});
