import { runTimeoutMs } from '../runTimeout';

test.each([
  [null, {}, 0],
  [null, { PMM_RUN_TIMEOUT_MS: '' }, 0],
  [null, { PMM_RUN_TIMEOUT_MS: '90000' }, 90000],
  [2500, { PMM_RUN_TIMEOUT_MS: '90000' }, 2500],
  [0, {}, 0],
])('--timeout %j with %j: %j ms', (flag, environment, expected) => {
  expect(runTimeoutMs(flag, environment)).toBe(expected);
});

test('a bad PMM_RUN_TIMEOUT_MS is named', () => {
  expect(() => runTimeoutMs(null, { PMM_RUN_TIMEOUT_MS: 'soon' })).toThrow(/option "runTimeoutMs" must be a non-negative integer, got "soon"/);
});

test('a PMM_RUN_TIMEOUT_MS past what a timer holds is refused, not taken to end the run at once', () => {
  expect(() => runTimeoutMs(null, { PMM_RUN_TIMEOUT_MS: '3000000000' })).toThrow(/option "runTimeoutMs" must be at most 2000000000 ms/);
});
