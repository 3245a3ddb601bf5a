// Where pmm's files live: the package's own folder, set-up's build output, and the user's cache.
import { crypto, fs, os, path } from '../harness/coreModules';
import { privateDir } from './privateDir';
import type { GuestFiles } from './types';

const { createHash } = crypto;

/** The folder of the jest-environment-pmm package, whether running from dist/ or from the sources. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'jest-environment-pmm') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`pmm: cannot find the jest-environment-pmm package above ${__dirname}`);
    dir = parent;
  }
}

/** The hook library the package builds (set-up's guest.json names it too), whether from dist/ or the sources. */
export function hookLibraryPath(): string {
  return path.join(packageRoot(), 'hooklib', 'libpmm.so');
}

export function cacheDir(): string {
  if (process.env.PMM_CACHE_DIR) return process.env.PMM_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'pmm');
}

/**
 * A path for file that LD_PRELOAD can hold: ld.so splits LD_PRELOAD at spaces, tabs and colons, so a
 * file whose path holds one is reached through a symbolic link without one. The link lives in pmm's
 * cache (or /tmp, when the cache's own path holds one): both are the same paths in the guest, where the
 * guest's /var/tmp, say, is not.
 */
export function preloadablePath(file: string): string {
  const unsafe = /[\s:]/;
  if (!unsafe.test(file)) return file;
  const hash = createHash('sha1').update(file).digest('hex').slice(0, 12);
  // Under /tmp, a folder another user made first could hold a link to a library of theirs: it must be ours.
  const base = unsafe.test(cacheDir()) ? privateDir(path.join('/tmp', `pmm-preload-${process.getuid?.() ?? 0}`)) : path.join(cacheDir(), 'preload');
  const dir = path.join(base, hash);
  const link = path.join(dir, path.basename(file).replace(/[\s:]/g, '_'));
  fs.mkdirSync(dir, { recursive: true });
  try {
    if (fs.readlinkSync(link) === file) return link;
    fs.rmSync(link, { force: true });
  } catch {
    // no link yet
  }
  try {
    fs.symlinkSync(file, link);
  } catch (err) {
    // Another process made it meanwhile: it leads to file all the same.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return link;
}

const SETUP_HINT = 'run `npx pmm setup` (or `npm run setup` in the pmm repository) first';

/** Reads build/guest.json, which set-up writes, and checks that every file it names is there. */
export function loadGuestFiles(root = packageRoot()): GuestFiles {
  const manifest = path.join(root, 'build', 'guest.json');
  if (!fs.existsSync(manifest)) {
    throw new Error(`pmm: the guest is not set up (no ${manifest}); ${SETUP_HINT}`);
  }
  const files = JSON.parse(fs.readFileSync(manifest, 'utf8')) as GuestFiles;
  const of = `for guest kernel ${files.kernelVersion}`;
  const named: Array<[string, string]> = [
    // PMM_KERNEL stands for set-up's kernel (withOverrides checks it): that one need not be there.
    ...(process.env.PMM_KERNEL ? [] : [[`guest kernel ${files.kernelVersion}`, files.kernel] as [string, string]]),
    [`initramfs ${of}`, files.initramfs],
    [`pmm.ko ${of}`, files.module],
    [`hook library ${of}`, files.hook],
  ];
  for (const [what, file] of named) {
    const problem = file ? unreadable(file) : 'ENOENT';
    if (problem === 'ENOENT') {
      throw new Error(`pmm: the ${what} is missing (${file}); ${SETUP_HINT}`);
    }
    if (problem !== null) {
      throw new Error(
        `pmm: the ${what} (${file}) cannot be read by this user (uid ${process.getuid?.() ?? '?'}, ${problem}): ` +
          `set-up made it as another user, and it or a folder above it lets this one no further; run pmm as that user, or make it readable` +
          (file === files.kernel ? ' (or point PMM_KERNEL at a copy this user can read)' : ''),
      );
    }
  }
  return withOverrides(files, process.env, (f) => fs.existsSync(f));
}

/** null when this process can read file; else the error's code (ENOENT: not there; EACCES: not allowed). */
function unreadable(file: string): string | null {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

/** Where Debian's and Ubuntu's qemu-system-data put qboot. */
export const QBOOT_ROM = '/usr/share/qemu/qboot.rom';

/**
 * The firmware and kernel a VM boots: qboot when it is installed; PMM_FIRMWARE names another -bios image, or
 * `seabios` for QEMU's default; PMM_KERNEL boots another image of the same kernel version (the benchmark
 * compares the compressed bzImage with the vmlinux this way).
 */
export function withOverrides(
  files: GuestFiles,
  env: Record<string, string | undefined>,
  exists: (file: string) => boolean,
): GuestFiles {
  const result: GuestFiles = { ...files };
  if (env.PMM_KERNEL) {
    if (!exists(env.PMM_KERNEL)) throw new Error(`pmm: PMM_KERNEL names a missing file: ${env.PMM_KERNEL}`);
    result.kernel = env.PMM_KERNEL;
  }
  const firmware = env.PMM_FIRMWARE;
  if (firmware === 'seabios') {
    delete result.firmware;
  } else if (firmware) {
    if (!exists(firmware)) throw new Error(`pmm: PMM_FIRMWARE names a missing file: ${firmware}`);
    result.firmware = firmware;
  } else if (!result.firmware && exists(QBOOT_ROM)) {
    result.firmware = QBOOT_ROM;
  }
  return result;
}
