// The user's extra shared folders on QEMU's command line and the kernel's, where the guest's init reads them.
import { kernelCommandLine, qemuArgs, shareArgs, shareCommandLine } from '../qemuArgs';
import type { VmOptions } from '../types';

test('each extra folder is one more writable 9p device, tagged by its position', () => {
  expect(shareArgs(false, ['/srv/data', '/home/ci/out'])).toEqual([
    '-fsdev', 'local,id=pmmroot,path=/,security_model=none,readonly=on,multidevs=remap',
    '-device', 'virtio-9p-pci,fsdev=pmmroot,mount_tag=pmmroot',
    '-fsdev', 'local,id=pmmshare0,path=/srv/data,security_model=none,multidevs=remap',
    '-device', 'virtio-9p-pci,fsdev=pmmshare0,mount_tag=pmmshare0',
    '-fsdev', 'local,id=pmmshare1,path=/home/ci/out,security_model=none,multidevs=remap',
    '-device', 'virtio-9p-pci,fsdev=pmmshare1,mount_tag=pmmshare1',
  ]);
});

test.each([
  [[], []],
  [['/srv/data'], ['pmm_shares=/srv/data']],
  [['/a', '/b'], ['pmm_shares=/a:/b']],
])('%j is told to the init as %j', (shares, words) => {
  expect(shareCommandLine(shares)).toEqual(words);
});

test('qemuArgs puts both on the command line, and nothing without shares', () => {
  const options: VmOptions = {
    files: { kernelVersion: 'v', kernel: '/k', initramfs: '/i', module: '/m.ko', hook: '/h.so' },
    accel: 'tcg', memoryMiB: 512, cpus: 1, bootTimeoutMs: 1, consoleLog: '/c', runDir: '/r', shareTmp: true,
  };
  const withShares = qemuArgs({ ...options, shares: ['/srv/data'] });
  expect(withShares[withShares.indexOf('-append') + 1]).toMatch(/ pmm_shares=\/srv\/data( |$)/);
  expect(withShares).toContain('virtio-9p-pci,fsdev=pmmshare0,mount_tag=pmmshare0');
  expect(qemuArgs(options).join(' ')).not.toMatch(/pmmshare|pmm_shares/);
  expect(kernelCommandLine(options)).not.toContain('pmm_shares');
});
