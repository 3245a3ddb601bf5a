import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadGuestFiles, preloadablePath, QBOOT_ROM, withOverrides } from '../paths';
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

describe('loadGuestFiles', () => {
  let root: string;
  const guest = (dir: string): GuestFiles => ({
    kernelVersion: '6.1.0-56-amd64',
    kernel: path.join(dir, 'vmlinux'),
    initramfs: path.join(dir, 'initramfs.cpio'),
    module: path.join(dir, 'pmm.ko'),
    hook: path.join(dir, 'libpmm.so'),
  });

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-guest-files-'));
    fs.mkdirSync(path.join(root, 'build'));
    fs.mkdirSync(path.join(root, 'files'));
    for (const file of Object.values(guest(path.join(root, 'files'))).slice(1)) fs.writeFileSync(file, '');
    fs.writeFileSync(path.join(root, 'build', 'guest.json'), JSON.stringify(guest(path.join(root, 'files'))));
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('a missing file is named, with what to run', () => {
    fs.rmSync(path.join(root, 'files', 'pmm.ko'));
    expect(() => loadGuestFiles(root)).toThrow(`pmm: the pmm.ko for guest kernel 6.1.0-56-amd64 is missing (${path.join(root, 'files', 'pmm.ko')}); run \`npx pmm setup\``);
  });

  test("with PMM_KERNEL, set-up's kernel need not be there", () => {
    const other = path.join(root, 'other-vmlinux');
    fs.writeFileSync(other, '');
    fs.rmSync(path.join(root, 'files', 'vmlinux'));
    const before = process.env.PMM_KERNEL;
    process.env.PMM_KERNEL = other;
    try {
      expect(loadGuestFiles(root).kernel).toBe(other);
    } finally {
      if (before === undefined) delete process.env.PMM_KERNEL;
      else process.env.PMM_KERNEL = before;
    }
  });

  // Root reads any file: only another user meets a folder closed to it.
  (process.getuid?.() === 0 ? test : test.skip)('a file this user cannot read is said to be that, not missing, by a user other than set-up\'s', () => {
    fs.chmodSync(root, 0o755);
    fs.chmodSync(path.join(root, 'files'), 0o700);
    const script = `try { require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'qemu', 'paths.js'))}).loadGuestFiles(${JSON.stringify(root)}) } catch (e) { console.log(e.message) }`;
    const run = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(run.stdout.trim()).toBe(
      `pmm: the guest kernel 6.1.0-56-amd64 (${path.join(root, 'files', 'vmlinux')}) cannot be read by this user (uid 65534, EACCES): set-up made it as ` +
        'another user, and it or a folder above it lets this one no further; run pmm as that user, or make it readable (or point PMM_KERNEL at a copy this user can read)',
    );
  });
});
