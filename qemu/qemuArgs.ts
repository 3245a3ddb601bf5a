// The QEMU command line, built from small pure functions so that a test can read every argument.
import { os, path } from '../harness/coreModules';
import type { Accel, VmOptions } from './types';

export const CHANNEL_NAME = 'org.pmm.0';

export function machineArgs(accel: Accel, memoryMiB: number, cpus: number): string[] {
  return [
    // q35's PCIe would only add probing time; the old pc machine is enough for virtio-pci.
    '-machine', accel === 'kvm' ? 'pc,accel=kvm' : 'pc,accel=tcg',
    ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-m', String(memoryMiB),
    '-smp', String(cpus),
    // No display, no default devices, and no network: iPXE's option ROM would run for nothing.
    '-display', 'none',
    '-vga', 'none',
    '-nodefaults',
    '-no-user-config',
    '-nic', 'none',
    // A guest panic must end QEMU, not reboot it.
    '-no-reboot',
  ];
}

/** What the kernel command line depends on; cpus is absent for the KVM probe's one-CPU guest. */
export type BootOptions = Pick<VmOptions, 'files' | 'shareTmp'> & Partial<Pick<VmOptions, 'cpus'>>;

export function kernelCommandLine(options: BootOptions, extra: string[] = []): string {
  return [
    'console=ttyS0',
    'quiet',
    'panic=-1',
    // Oopses become panics, so that a broken module ends the VM with its console excerpt.
    'oops=panic',
    // Crypto self-tests are the largest initcall under TCG and test nothing of ours.
    'cryptomgr.notests',
    // Leaves kernel text writable: marking it read-only, and the W+X page-table walk that checks it, cost
    // about 0.25 s under TCG. This guest runs only the tests' programs.
    'rodata=off',
    // PCI interrupts without ACPI's link devices: evaluating their AML took about 0.11 s per virtio device
    // under TCG (0.35 s for three). virtio-pci uses MSI-X, so the legacy routing is never needed.
    'pci=noacpi',
    // One CPU needs no local APIC timer: the PIT or HPET ticks instead, and the APIC timer's calibration
    // against it, about 0.1 s under TCG, is skipped. Several CPUs keep their own timers.
    ...((options.cpus ?? 1) === 1 ? ['noapictimer'] : []),
    'tsc=reliable',
    'no_timer_check',
    // In quotes when it holds a space, which would end the word: the kernel takes them off.
    /\s/.test(options.files.module) ? `pmm_ko="${options.files.module}"` : `pmm_ko=${options.files.module}`,
    `pmm_tmp=${options.shareTmp ? 1 : 0}`,
    ...extra,
  ].join(' ');
}

/**
 * qboot instead of SeaBIOS when set-up found it: it jumps to the kernel without SeaBIOS's device scan, which
 * took about 0.25 s of every boot under TCG.
 */
export function firmwareArgs(firmware: string | undefined): string[] {
  return firmware ? ['-bios', firmware] : [];
}

export function bootArgs(options: BootOptions, extra: string[] = []): string[] {
  return [
    ...firmwareArgs(options.files.firmware),
    '-kernel', options.files.kernel,
    '-initrd', options.files.initramfs,
    '-append', kernelCommandLine(options, extra),
  ];
}

/**
 * The host's root read-only, and optionally its /tmp writable, over virtio-9p. multidevs=remap keeps inode
 * numbers of different host filesystems apart: without it the guest took /proc and /sys, both inode 1 on the
 * host, for one directory, and the chroot saw sysfs at /proc.
 */
export function shareArgs(shareTmp: boolean, shares: readonly string[] = []): string[] {
  const args = [
    '-fsdev', 'local,id=pmmroot,path=/,security_model=none,readonly=on,multidevs=remap',
    '-device', 'virtio-9p-pci,fsdev=pmmroot,mount_tag=pmmroot',
  ];
  if (shareTmp) {
    args.push(
      '-fsdev', 'local,id=pmmtmp,path=/tmp,security_model=none,multidevs=remap',
      '-device', 'virtio-9p-pci,fsdev=pmmtmp,mount_tag=pmmtmp',
    );
  }
  // The user's extra folders, writable, each at its own path (the init mounts pmmshareN over /host/PATH).
  shares.forEach((dir, i) => {
    args.push(
      '-fsdev', `local,id=pmmshare${i},path=${dir},security_model=none,multidevs=remap`,
      '-device', `virtio-9p-pci,fsdev=pmmshare${i},mount_tag=pmmshare${i}`,
    );
  });
  return args;
}

/** Tells the init where to mount the extra folders, in the order of their mount tags. */
export function shareCommandLine(shares: readonly string[]): string[] {
  return shares.length > 0 ? [`pmm_shares=${shares.join(':')}`] : [];
}

/**
 * The host's name for the guest (uname's nodename), so that a program sees the name it sees on the
 * host, and /etc/hosts (the host's) resolves it. Left out when it is not a plain host name, which the
 * kernel command line could not carry.
 */
export function hostnameCommandLine(hostname: string): string[] {
  return /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/.test(hostname) ? [`pmm_hostname=${hostname}`] : [];
}

export function socketPaths(runDir: string): { channel: string; qmp: string } {
  return { channel: path.join(runDir, 'channel.sock'), qmp: path.join(runDir, 'qmp.sock') };
}

/** pmd's virtio-serial port and the QMP control socket; QEMU listens, the host connects. */
export function channelArgs(runDir: string): string[] {
  const sockets = socketPaths(runDir);
  return [
    '-device', 'virtio-serial-pci',
    '-chardev', `socket,id=pmmchan,path=${sockets.channel},server=on,wait=off`,
    '-device', `virtserialport,chardev=pmmchan,name=${CHANNEL_NAME}`,
    '-qmp', `unix:${sockets.qmp},server=on,wait=off`,
  ];
}

/** The serial console on QEMU's stdout, which the host copies to the console log as it reads it. */
export function consoleArgs(): string[] {
  return ['-serial', 'stdio', '-monitor', 'none'];
}

export function qemuArgs(options: VmOptions): string[] {
  return [
    ...machineArgs(options.accel, options.memoryMiB, options.cpus),
    ...bootArgs(options, [...shareCommandLine(options.shares ?? []), ...hostnameCommandLine(os.hostname())]),
    ...shareArgs(options.shareTmp, options.shares ?? []),
    ...channelArgs(options.runDir),
    ...consoleArgs(),
  ];
}

/**
 * QEMU's environment: what it may read of pmm's, not all of it. The programs it runs get theirs in each run
 * request; a user's environment of megabytes (and QEMU's long command line) passed execve's limit (E2BIG).
 */
export function qemuEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const kept = Object.entries(env).filter(([name]) => QEMU_READS.has(name) || name.startsWith('QEMU_') || name.startsWith('LC_'));
  return Object.fromEntries(kept);
}

const QEMU_READS = new Set(['PATH', 'HOME', 'TMPDIR', 'USER', 'LANG', 'XDG_RUNTIME_DIR']);
