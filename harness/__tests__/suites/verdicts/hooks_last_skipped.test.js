// An afterAll's leak fails the file even when the file's last test was skipped: jest-circus starts a
// skipped test (test_start) but never ends it (no test_done), and the afterAll's run is not the test's.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test('hooks_last_skipped: a test that runs', () => {});
test.skip('hooks_last_skipped: the last test, skipped', () => {});

afterAll(async () => {
  await pmm.run(fixture('leak_three_blocks'));
});
