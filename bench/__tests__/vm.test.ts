import { median } from '../vm';

test.each([
  [[3], 3],
  [[5, 1, 3], 3],
  [[4, 1, 3, 2], 2.5],
])('median of %j is %d', (values, expected) => {
  expect(median(values)).toBe(expected);
});

test('median of nothing is NaN, and the input is left alone', () => {
  expect(median([])).toBeNaN();
  const values = [3, 1, 2];
  median(values);
  expect(values).toEqual([3, 1, 2]);
});
