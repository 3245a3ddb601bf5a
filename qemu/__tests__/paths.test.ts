import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { preloadablePath, QBOOT_ROM, withOverrides } from '../paths';
import type { GuestFiles } from '../types';

const files: GuestFiles = {
  kernelVersion: '6.1.0-56-amd64',
  kernel: '/cache/vmlinux',
  initramfs: '/repo/build/initramfs.cpio',
  module: '/repo/kernel/pmm.ko',
  hook: '/repo/hooklib/libpmm.so',
};

const present = (...names: string[]) => (file: string): boolean => names.includes(file);

describe('withOverrides', () => {
  test('qboot when it is installed, SeaBIOS (no -bios) when not', () => {
    expect(withOverrides(files, {}, present(QBOOT_ROM)).firmware).toBe(QBOOT_ROM);
    expect(withOverrides(files, {}, present()).firmware).toBeUndefined();
  });

  test('PMM_FIRMWARE=seabios drops qboot; a path replaces it', () => {
    expect(withOverrides(files, { PMM_FIRMWARE: 'seabios' }, present(QBOOT_ROM)).firmware).toBeUndefined();
    expect(withOverrides(files, { PMM_FIRMWARE: '/fw.rom' }, present(QBOOT_ROM, '/fw.rom')).firmware).toBe('/fw.rom');
  });

  test('PMM_KERNEL replaces the kernel image and nothing else', () => {
    const result = withOverrides(files, { PMM_KERNEL: '/boot/vmlinuz' }, present('/boot/vmlinuz'));
    expect(result).toEqual({ ...files, kernel: '/boot/vmlinuz' });
  });

  test('a missing override is an error that names it', () => {
    expect(() => withOverrides(files, { PMM_KERNEL: '/nope' }, present())).toThrow('PMM_KERNEL names a missing file: /nope');
    expect(() => withOverrides(files, { PMM_FIRMWARE: '/nope' }, present())).toThrow('PMM_FIRMWARE');
  });

  test('does not change the files it was given', () => {
    withOverrides(files, { PMM_KERNEL: '/k' }, present('/k', QBOOT_ROM));
    expect(files.kernel).toBe('/cache/vmlinux');
    expect(files.firmware).toBeUndefined();
  });
});

describe('preloadablePath', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-preload-test-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a path LD_PRELOAD can hold is itself', () => {
    expect(preloadablePath('/usr/lib/libpmm.so')).toBe('/usr/lib/libpmm.so');
  });

  test.each([['with space'], ['with:colon'], ['with\ttab']])('a path %j is reached through a link without one, made once', (name) => {
    const file = path.join(dir, name, 'libpmm.so');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'the library');
    const link = preloadablePath(file);
    try {
      expect(link).not.toMatch(/[\s:]/);
      expect(fs.readlinkSync(link)).toBe(file);
      expect(fs.readFileSync(link, 'utf8')).toBe('the library');
      expect(preloadablePath(file)).toBe(link);
    } finally {
      fs.rmSync(path.dirname(link), { recursive: true, force: true });
    }
  });
});
