/**
 * @jest-environment-options {"pmm": {"bootTimeoutMs": 1}}
 */
// A VM that cannot boot in time is a clear error for each test that needs it, not a hung run.
const path = require('path');

const fixture = (name) => path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', name);

test('a VM that does not boot', async () => {
  await pmm.run(fixture('clean_exit'));
});
