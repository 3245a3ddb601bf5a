// A test that times out while its run goes on: the program is killed, so that the file's next run does not
// wait for it (the VM runs one program at a time; this one would run until runTimeoutMs).
test('timeout: a run still going when its test times out', async () => {
  await pmm.run('/bin/sleep', ['100']);
}, 3000);

test('timeout: the next run of the file does not wait for it', async () => {
  const result = await pmm.run('/bin/echo', ['next']);
  expect(result.stdout).toBe('next\n');
}, 30000);

// A run not awaited outlives its test too: killed the same way, which fails that test (what it leaked is
// not known), and what its end gives belongs to nobody, not to the test that runs when it comes: an await
// of it rejects.
const path = require('path');
const hangForever = path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'bin', 'hang_forever');

test('timeout: a run not awaited', () => {
  pmm.run(hangForever);
});

let kept;
let derived;
test('timeout: a run kept to be awaited later', () => {
  kept = pmm.run(hangForever);
  // A promise made of it, never awaited: it must not reject into the test that runs when the kill ends it.
  derived = kept.then((result) => result.exitCode);
});

test('timeout: a run its test left resolves marked orphaned, and the matchers refuse it', async () => {
  const result = await kept;
  expect(result.orphaned).toBe(true);
  expect(() => expect(result).toHaveNoLeaks()).toThrow('the test that started it ended before it finished');
  await derived;
});

test.failing('timeout: a test.failing one that does not await its run fails all the same', () => {
  pmm.run(hangForever);
});

test('timeout: the test after a run not awaited is not failed by it', async () => {
  const result = await pmm.run('/bin/echo', ['after']);
  expect(result.stdout).toBe('after\n');
});
