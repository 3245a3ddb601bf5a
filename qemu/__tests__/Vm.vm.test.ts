// The VM's failures, each a clear error and no QEMU left behind: a module that won't insert, a guest that
// doesn't come up in time, a missing kernel; and a host process that dies takes its QEMU with it.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadGuestFiles, preloadablePath } from '../paths';
import { Vm, VmError } from '../Vm';
import type { GuestFiles, VmOptions } from '../types';

const root = path.join(__dirname, '..', '..');
const files = loadGuestFiles(root);
let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-vm-test-'));
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

function options(overrides: Partial<GuestFiles>, bootTimeoutMs = 120_000): VmOptions {
  return {
    files: { ...files, ...overrides },
    accel: 'tcg',
    memoryMiB: 512,
    cpus: 1,
    bootTimeoutMs,
    consoleLog: path.join(scratch, `console-${Math.random().toString(36).slice(2)}.log`),
    runDir: Vm.makeRunDir(),
    shareTmp: true,
  };
}

/** QEMU processes whose command line names this run folder. */
function qemuFor(runDir: string): string[] {
  const ps = spawnSync('pgrep', ['-f', runDir], { encoding: 'utf8' });
  return ps.stdout.split('\n').filter(Boolean);
}

test('a module that will not insert is an error naming the guest kernel, with the console excerpt', async () => {
  const bogus = path.join(scratch, 'bogus.ko');
  fs.writeFileSync(bogus, 'not an ELF module\n');
  const opts = options({ module: bogus });
  const boot = Vm.boot(opts);
  await expect(boot).rejects.toThrow(VmError);
  await expect(boot).rejects.toThrow(
    new RegExp(`pmm\\.ko \\(${bogus.replace(/\./g, '\\.')}\\) failed to insert into guest kernel ${files.kernelVersion}`),
  );
  await expect(boot).rejects.toThrow(/guest console \(.*\):\n {2}\| /);
  expect(fs.existsSync(opts.consoleLog)).toBe(true);
  expect(fs.existsSync(opts.runDir)).toBe(false);
  expect(qemuFor(opts.runDir)).toEqual([]);
}, 120_000);

test('a guest that does not come up in time is an error naming the timeout, and QEMU is stopped', async () => {
  const opts = options({}, 300);
  const boot = Vm.boot(opts);
  await expect(boot).rejects.toThrow(/the guest did not come up within 300 ms\n/);
  await expect(boot).rejects.not.toThrow(/under KVM/);
  expect(qemuFor(opts.runDir)).toEqual([]);
  expect(fs.existsSync(opts.runDir)).toBe(false);
}, 60_000);

// This machine's kind has a /dev/kvm that hangs a guest at boot: accel "kvm" said only "did not come up", over
// an empty console. (Where KVM works, 300 ms is still too short for a boot.)
const kvmThere = ((): boolean => {
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();
if (!kvmThere) console.warn('the KVM boot timeout test skipped: no /dev/kvm this user can open');
(kvmThere ? test : test.skip)('under accel "kvm", a guest that does not come up in time says what KVM may do, and what to use instead', async () => {
  const opts = { ...options({}, 300), accel: 'kvm' as const };
  await expect(Vm.boot(opts)).rejects.toThrow(/the guest did not come up within 300 ms; under KVM, which on some machines hangs a guest at boot .*"tcg" does without it\n/);
  expect(qemuFor(opts.runDir)).toEqual([]);
}, 60_000);

test('a kernel that does not exist is an error naming it', async () => {
  const missing = path.join(scratch, 'no-such-vmlinux');
  const opts = options({ kernel: missing });
  await expect(Vm.boot(opts)).rejects.toThrow(new RegExp(`the VM did not boot \\(kernel ${missing}, tcg\\): QEMU exited with status 1`));
  expect(qemuFor(opts.runDir)).toEqual([]);
}, 60_000);

test('a guest that is set up runs programs, and close() is safe to repeat', async () => {
  const vm = await Vm.boot(options({}));
  const result = await vm.run({ argv: ['/bin/echo', 'hi'], cwd: '/', env: { PATH: '/usr/bin:/bin' }, hook: null, timeoutMs: 30_000 });
  expect(Buffer.from(result.stdout, 'base64').toString()).toBe('hi\n');
  await vm.close();
  await vm.close();
  expect(vm.state).toBe('closed');
  await expect(vm.run({ argv: ['/bin/true'], cwd: '/', env: {}, hook: null, timeoutMs: 0 })).rejects.toThrow(/closed/);
}, 120_000);

describe('pmd, the guest\'s pid 1', () => {
  let vm: Vm;
  const env = { PATH: '/usr/bin:/bin' };
  const sh = async (script: string): Promise<{ exitCode: number | null; stdout: string }> => {
    const result = await vm.run({ argv: ['/bin/sh', '-c', script], cwd: '/', env, hook: null, timeoutMs: 30_000 });
    return { exitCode: result.exitCode, stdout: Buffer.from(result.stdout, 'base64').toString() };
  };

  beforeAll(async () => {
    vm = await Vm.boot(options({}));
  }, 120_000);

  afterAll(async () => {
    await vm?.close();
  });

  test('a program that stops its parent, sends it fault signals and kills every process it may (kill -9 -1) ends only its own: pmd serves the next run', async () => {
    const script = 'kill -STOP $PPID; kill -SEGV $PPID; kill -ABRT $PPID; sleep 30 & kill -9 -1; wait; echo "after, parent $PPID"';
    expect(await sh(script)).toEqual({ exitCode: 0, stdout: 'after, parent 1\n' });
    expect(await sh('echo still here')).toEqual({ exitCode: 0, stdout: 'still here\n' });
  }, 60_000);

  test('what a run without the hook left running (setsid) is ended before its answer: the next run finds none of it', async () => {
    expect(await sh('setsid /bin/sleep 100 & exit 0')).toMatchObject({ exitCode: 0 });
    expect((await sh('cat /proc/[0-9]*/comm')).stdout.split('\n')).not.toContain('sleep');
  }, 60_000);

  test("its chroot into the host's root is its own: the kernel's threads and helpers (modprobe) keep the guest's", async () => {
    // kthreadd's root, which every kernel thread and helper inherits, against the programs' (the host's /).
    const { stdout } = await sh('stat -L -c %d:%i /proc/2/root/ /');
    const [kernels, programs] = stdout.trim().split('\n');
    expect(kernels).toMatch(/^\d+:\d+$/);
    expect(kernels).not.toBe(programs);
  }, 60_000);
});

test("pmd sends each distinct stack once, and each record names its own: 20,000 blocks leaked from one place are one stack", async () => {
  // Each record carried its sixteen addresses: a million such blocks made a 385 MB answer line.
  const vm = await Vm.boot(options());
  try {
    const hook = preloadablePath(files.hook);
    const program = path.join(root, 'hooklib', '__tests__', 'programs', 'bin', 'many_leaks');
    const result = await vm.run({ argv: [program], cwd: '/', env: { PATH: '/usr/bin:/bin' }, hook, timeoutMs: 60_000 });
    expect(result.exitCode).toBe(0);
    const mine = result.records.filter((r) => r.size === 8);
    expect(mine).toHaveLength(20_000);
    expect(new Set(mine.map((r) => r.stack)).size).toBe(1);
    expect(result.stacks.length).toBeLessThan(result.records.length);
    expect(result.stacks[mine[0].stack].length).toBeGreaterThan(0);
  } finally {
    await vm.close();
  }
}, 120_000);

test('pmm.ko and the hook in a folder whose path holds a space: the guest inserts one and preloads the other', async () => {
  const spaced = path.join(scratch, 'with space');
  fs.mkdirSync(spaced);
  fs.copyFileSync(files.module, path.join(spaced, 'pmm.ko'));
  fs.copyFileSync(files.hook, path.join(spaced, 'libpmm.so'));
  const vm = await Vm.boot(options({ module: path.join(spaced, 'pmm.ko') }));
  try {
    const hook = preloadablePath(path.join(spaced, 'libpmm.so'));
    const program = path.join(root, 'fixtures', 'bin', 'leak_three_blocks');
    const result = await vm.run({ argv: [program], cwd: '/', env: { PATH: '/usr/bin:/bin' }, hook, timeoutMs: 30_000 });
    expect(result.exitCode).toBe(0);
    expect(result.records.map((r) => r.size).sort((a, b) => a - b)).toEqual([100, 200, 300]);
    fs.rmSync(path.dirname(hook), { recursive: true, force: true });
  } finally {
    await vm.close();
  }
}, 120_000);

describe.each(['SIGKILL', 'SIGTERM', 'SIGINT'] as const)('when the host process gets %s', (signal) => {
  test('its QEMU goes with it, and no socket is left', async () => {
    const child = spawn(process.execPath, [path.join(root, 'dist', 'cli', 'pmm.js'), 'exec', '--', '/bin/sleep', '60'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Wait until QEMU runs under it and its run folder is gone (sockets connected, then removed).
    const deadline = Date.now() + 90_000;
    let qemu: string[] = [];
    while (Date.now() < deadline) {
      qemu = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      if (qemu.length > 0 && /booting the guest VM/.test(stderr)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(qemu).toHaveLength(1);
    // Its run folder, from its command line: other VMs of the machine (a parallel test file's) have theirs.
    const runDirs = fs.readFileSync(`/proc/${qemu[0]}/cmdline`, 'utf8').match(/\/[^\0,]*\/pmm-vm-[^/\0,]+/g) ?? [];
    expect(runDirs.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 3000)); // let it boot and start the program
    child.kill(signal);
    await new Promise((r) => child.once('exit', r));
    const gone = Date.now() + 5000;
    while (Date.now() < gone && fs.existsSync(`/proc/${qemu[0]}`)) await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(`/proc/${qemu[0]}`)).toBe(false);
    // Its own folder, gone: any VM's folder with a QEMU was counted, a parallel test file's booting one too.
    expect([...new Set(runDirs)].filter((dir) => fs.existsSync(dir))).toEqual([]);
  }, 120_000);
});
