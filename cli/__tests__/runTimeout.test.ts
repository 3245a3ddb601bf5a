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
