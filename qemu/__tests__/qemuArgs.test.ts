import * as os from 'os';
import { bootArgs, channelArgs, firmwareArgs, hostnameCommandLine, kernelCommandLine, machineArgs, qemuArgs, qemuEnvironment, shareArgs } from '../qemuArgs';
import type { VmOptions } from '../types';

const files = {
  kernelVersion: '6.1.0-56-amd64',
  kernel: '/cache/vmlinux',
  initramfs: '/repo/build/initramfs.cpio',
  module: '/repo/kernel/pmm.ko',
  hook: '/repo/hooklib/libpmm.so',
};

const options: VmOptions = {
  files,
  accel: 'tcg',
  memoryMiB: 512,
  cpus: 2,
  bootTimeoutMs: 1000,
  consoleLog: '/tmp/console.log',
  runDir: '/tmp/run',
  shareTmp: true,
};

describe('machineArgs', () => {
  test.each([
    ['tcg', ['-machine', 'pc,accel=tcg']],
    ['kvm', ['-machine', 'pc,accel=kvm', '-cpu', 'host']],
  ] as const)('%s', (accel, start) => {
    const args = machineArgs(accel, 512, 2);
    expect(args.slice(0, start.length)).toEqual(start);
    expect(args).toEqual(expect.arrayContaining(['-m', '512', '-smp', '2', '-nic', 'none', '-no-reboot']));
  });
});

test('the kernel command line carries the module path and the /tmp share flag', () => {
  const line = kernelCommandLine({ files, shareTmp: false }, ['pmm_probe=1']);
  expect(line.split(' ')).toEqual(
    expect.arrayContaining(['console=ttyS0', 'panic=-1', 'oops=panic', 'pmm_ko=/repo/kernel/pmm.ko', 'pmm_tmp=0', 'pmm_probe=1']),
  );
});

test('boot arguments name the kernel and initramfs', () => {
  expect(bootArgs({ files, shareTmp: true }).slice(0, 4)).toEqual(['-kernel', '/cache/vmlinux', '-initrd', '/repo/build/initramfs.cpio']);
});

test('the kernel command line skips the boot steps that are slow under TCG', () => {
  expect(kernelCommandLine({ files, shareTmp: true }).split(' ')).toEqual(
    expect.arrayContaining(['quiet', 'cryptomgr.notests', 'rodata=off', 'pci=noacpi']),
  );
});

test.each([
  [1, true],
  [undefined, true],
  [2, false],
])('cpus=%s: noapictimer %s', (cpus, expected) => {
  expect(kernelCommandLine({ files, shareTmp: true, cpus }).split(' ').includes('noapictimer')).toBe(expected);
});

test.each([
  [undefined, []],
  ['/usr/share/qemu/qboot.rom', ['-bios', '/usr/share/qemu/qboot.rom']],
])('firmware %s', (firmware, expected) => {
  expect(firmwareArgs(firmware)).toEqual(expected);
  expect(bootArgs({ files: { ...files, firmware }, shareTmp: true }).slice(0, expected.length)).toEqual(expected);
});

test.each([
  [false, 1],
  [true, 2],
])('shareTmp=%s shares %i folders, the root read-only', (shareTmp, count) => {
  const args = shareArgs(shareTmp);
  const fsdevs = args.filter((_, i) => args[i - 1] === '-fsdev');
  expect(fsdevs).toHaveLength(count);
  expect(fsdevs[0]).toContain('path=/,');
  expect(fsdevs[0]).toContain('readonly=on');
  if (shareTmp) expect(fsdevs[1]).not.toContain('readonly');
});

test('the channel and QMP sockets live in the run folder', () => {
  const args = channelArgs('/tmp/run').join(' ');
  expect(args).toContain('path=/tmp/run/channel.sock,server=on,wait=off');
  expect(args).toContain('name=org.pmm.0');
  expect(args).toContain('unix:/tmp/run/qmp.sock,server=on,wait=off');
});

test('the whole command line puts the console on stdio', () => {
  const args = qemuArgs(options);
  expect(args).toEqual(expect.arrayContaining(['-serial', 'stdio']));
  expect(args).not.toContain('-nographic');
});

test.each([
  ['vm', ['pmm_hostname=vm']],
  ['build-7.ci.example.org', ['pmm_hostname=build-7.ci.example.org']],
  ['', []],
  ['has space', []],
  ['-leading-dash', []],
  ['x'.repeat(65), []],
])('the host name %j goes to the guest as %j', (hostname, words) => {
  expect(hostnameCommandLine(hostname)).toEqual(words);
});

test("the whole command line carries this host's name", () => {
  const append = qemuArgs(options)[qemuArgs(options).indexOf('-append') + 1];
  expect(append.split(' ')).toEqual(expect.arrayContaining(hostnameCommandLine(os.hostname())));
});

test('a module path with a space goes to the guest in quotes, which the kernel takes off', () => {
  const words = kernelCommandLine({ files: { ...files, module: '/home/me/My Projects/pmm.ko' }, shareTmp: true });
  expect(words).toContain(' pmm_ko="/home/me/My Projects/pmm.ko" ');
  expect(kernelCommandLine({ files, shareTmp: true })).toContain(` pmm_ko=${files.module} `);
});

test("QEMU gets what it may read of pmm's environment, not the rest: a user's environment of megabytes made its execve fail (E2BIG)", () => {
  const env = { PATH: '/usr/bin', HOME: '/root', TMPDIR: '/tmp', LC_ALL: 'C', QEMU_AUDIO_DRV: 'none', BIG: 'x'.repeat(2_000_000), NODE_OPTIONS: '--x', LD_PRELOAD: '/lib/a.so' };
  expect(qemuEnvironment(env)).toEqual({ PATH: '/usr/bin', HOME: '/root', TMPDIR: '/tmp', LC_ALL: 'C', QEMU_AUDIO_DRV: 'none' });
});
