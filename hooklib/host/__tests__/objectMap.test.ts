// Table tests for reading the object map (/proc/self/maps text) the hook records.
import { findMapping, loadBase, parseMaps } from '../objectMap';

const text = [
  '55d4c6a00000-55d4c6a01000 r--p 00000000 08:01 1234 /tmp/my prog',
  '55d4c6a01000-55d4c6a02000 r-xp 00001000 08:01 1234 /tmp/my prog',
  '55d4c7000000-55d4c7021000 rw-p 00000000 00:00 0                          [heap]',
  '7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ',
  '7f1000000000-7f1000028000 r--p 00000000 08:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6',
  '7f1000028000-7f100019d000 r-xp 00028000 08:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6',
  '',
].join('\n');

describe('parseMaps', () => {
  const maps = parseMaps(text);

  it('reads each line, paths with spaces and anonymous memory included', () => {
    expect(maps).toHaveLength(6);
    expect(maps[1]).toEqual({
      start: 0x55d4c6a01000n,
      end: 0x55d4c6a02000n,
      perms: 'r-xp',
      offset: 0x1000n,
      path: '/tmp/my prog',
    });
    expect(maps[2].path).toBe('[heap]');
    expect(maps[3].path).toBe('');
  });

  it.each([
    [0x55d4c6a01abcn, '/tmp/my prog'],
    [0x7f1000028000n, '/usr/lib/x86_64-linux-gnu/libc.so.6'],
    [0x55d4c6a02000n, undefined], // end is exclusive
    [0x10n, undefined],
  ])('finds the mapping of %s', (address, path) => {
    expect(findMapping(maps, address)?.path).toBe(path);
  });

  it('gives the load base of an object, or undefined', () => {
    expect(loadBase(maps, '/tmp/my prog')).toBe(0x55d4c6a00000n);
    expect(loadBase(maps, '/usr/lib/x86_64-linux-gnu/libc.so.6')).toBe(0x7f1000000000n);
    expect(loadBase(maps, '/nowhere')).toBeUndefined();
  });

  it('names a line it cannot read', () => {
    expect(() => parseMaps('garbage\n')).toThrow('object map: cannot parse line "garbage"');
  });
});
