import { forkedChildName } from '../childName';

test('a forked child is named by its pid and the file it ran last', () => {
  expect(forkedChildName({ pid: 115, program: '/usr/bin/ls' })).toBe('forked child 115 (/usr/bin/ls)');
});

test('by its pid alone when the hook never sent its object map', () => {
  expect(forkedChildName({ pid: 115, program: null })).toBe('forked child 115');
});
