// Set-up's promises: a second run does nothing and says nothing (npm test runs it before each Jest), while
// `pmm setup`, which a user asks for, ends with a line saying what is ready; what it can't do, it says clearly.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

function bash(script: string, options: { uid?: number; env?: NodeJS.ProcessEnv } = {}) {
  const command = options.uid === undefined ? ['bash', '-c', script] : ['setpriv', `--reuid=${options.uid}`, `--regid=${options.uid}`, '--clear-groups', 'bash', '-c', script];
  return spawnSync(command[0], command.slice(1), { cwd: root, encoding: 'utf8', env: options.env ?? process.env, timeout: 300_000 });
}

test('a second run of set-up, with everything in place, is silent and changes nothing', () => {
  // npm test ran set-up just before Jest; everything is built, so this run has nothing to do.
  const guest = fs.statSync(path.join(root, 'build', 'guest.json')).mtimeMs;
  const run = bash('bash scripts/setup.sh');
  expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
  // guest.json is rewritten only with the same content; the initramfs is not rebuilt.
  expect(fs.readFileSync(path.join(root, 'build', 'guest.json'), 'utf8')).toContain('"kernelVersion"');
  expect(fs.statSync(path.join(root, 'build', 'guest.json')).mtimeMs).toBeGreaterThanOrEqual(guest);
}, 300_000);

test('`pmm setup`, with everything in place, does nothing but end with one line: what is ready and where', () => {
  const guest = JSON.parse(fs.readFileSync(path.join(root, 'build', 'guest.json'), 'utf8')) as { kernelVersion: string; kernel: string; module: string; hook: string; initramfs: string };
  const run = spawnSync('node', [path.join(root, 'dist', 'cli', 'pmm.js'), 'setup'], { cwd: os.tmpdir(), encoding: 'utf8', timeout: 300_000 });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  expect(run.stdout).toBe(
    `pmm setup: ready: guest kernel ${guest.kernelVersion} (${guest.kernel}), pmm.ko (${guest.module}), the hook (${guest.hook}), ` +
      `pmd (${path.join(root, 'pmd', 'pmd')}, in the initramfs ${guest.initramfs})\n`,
  );
  for (const file of [guest.kernel, guest.module, guest.hook, guest.initramfs, path.join(root, 'pmd', 'pmd')]) expect(fs.existsSync(file)).toBe(true);
}, 300_000);

test('set-up compiles again when a source of any folder dist/ holds changes: it watches the folders tsconfig.json compiles', () => {
  const watched = bash('top=$PWD; . scripts/lib.sh; typescript_folders');
  expect(watched.status).toBe(0);
  // A folder compiled only because another imports it (hooklib/host was) would be left stale.
  const listed = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--listFilesOnly'], { cwd: root, encoding: 'utf8' });
  const compiled = new Set(
    listed.stdout.split('\n').filter((file) => file.startsWith(`${root}/`) && !file.includes('/node_modules/')).map((file) => path.relative(root, file).split('/')[0]),
  );
  expect(compiled.size).toBeGreaterThan(0);
  expect(watched.stdout.trim().split('\n').sort()).toEqual([...compiled].sort());
});

test('set-up says it builds a native part when its output is missing or older than a source, a header or the Makefile', () => {
  // Before, pmm.ko, the hook and pmd were built without a word (and kbuild's line about BTF came alone).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-stale-'));
  try {
    const state = (): string => bash(`top=$PWD; . scripts/lib.sh; stale '${dir}/out.so' '${dir}' && echo stale || echo fresh`).stdout.trim();
    const at = (file: string, seconds: number): void => fs.utimesSync(path.join(dir, file), seconds, seconds);
    for (const file of ['a.c', 'a.h', 'Makefile', 'notes.txt']) fs.writeFileSync(path.join(dir, file), '');
    for (const file of ['a.c', 'a.h', 'Makefile', 'notes.txt']) at(file, 1000);
    expect(state()).toBe('stale'); // not built
    fs.writeFileSync(path.join(dir, 'out.so'), '');
    at('out.so', 2000);
    expect(state()).toBe('fresh');
    at('notes.txt', 3000);
    expect(state()).toBe('fresh'); // not a source
    for (const file of ['a.c', 'a.h', 'Makefile']) {
      at(file, 3000);
      expect([file, state()]).toEqual([file, 'stale']);
      at(file, 1000);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('installing as a user who is not root and has no sudo is refused with a clear message', () => {
  const run = bash('top=$PWD; . scripts/lib.sh; as_root apt-get install -y cpio', {
    uid: 65534,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: os.tmpdir() },
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toBe(
    'pmm setup: error: installing needs root: run as root, or give this user password-less sudo (wanted: apt-get install -y cpio)\n',
  );
});

test('the guest kernel version is the newest installed headers, or the one asked for', () => {
  const chosen = bash('top=$PWD; . scripts/lib.sh; guest_kernel_version');
  expect(chosen.status).toBe(0);
  expect(fs.existsSync(`/usr/src/linux-headers-${chosen.stdout.trim()}/Makefile`)).toBe(true);
  const asked = bash('top=$PWD; . scripts/lib.sh; PMM_KERNEL_VERSION=9.9.9-test guest_kernel_version');
  expect(asked.stdout).toBe('9.9.9-test\n');
});

test('vmlinux is unpacked from an XZ bzImage, and a file with no known payload is refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-setup-'));
  // A fake bzImage: some header bytes, then an XZ stream of an ELF-looking payload, then trailing bytes.
  const payload = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.from('rest of the kernel')]);
  fs.writeFileSync(path.join(dir, 'payload'), payload);
  spawnSync('xz', ['-k', '-z', path.join(dir, 'payload')]);
  const image = Buffer.concat([Buffer.from('MZ boot header....'), fs.readFileSync(path.join(dir, 'payload.xz')), Buffer.from('trailer')]);
  fs.writeFileSync(path.join(dir, 'bzImage'), image);
  const ok = bash(`top=$PWD; . scripts/lib.sh; extract_vmlinux ${dir}/bzImage ${dir}/vmlinux`);
  expect(ok.status).toBe(0);
  expect(fs.readFileSync(path.join(dir, 'vmlinux'))).toEqual(payload);
  fs.writeFileSync(path.join(dir, 'garbage'), 'no compressed payload here');
  const bad = bash(`top=$PWD; . scripts/lib.sh; extract_vmlinux ${dir}/garbage ${dir}/out`);
  expect(bad.status).toBe(1);
  expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  fs.rmSync(dir, { recursive: true });
});

test('pmm.ko builds in a folder whose path holds a space, which Kbuild itself cannot take', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm setup '));
  try {
    const kernel = path.join(dir, 'kernel');
    fs.cpSync(path.join(root, 'kernel'), kernel, { recursive: true, filter: (src) => !/\.(o|ko|mod|cmd)$|\.mod\.c$|Module\.symvers|modules\.order/.test(src) });
    expect(fs.existsSync(path.join(kernel, 'pmm.ko'))).toBe(false);
    const run = bash(`top=$PWD; . scripts/lib.sh; build_module "$(guest_kernel_version)" ${JSON.stringify(kernel)}`);
    expect(run.status).toBe(0);
    expect(fs.statSync(path.join(kernel, 'pmm.ko')).size).toBeGreaterThan(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
