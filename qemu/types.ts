// Options and paths that describe one guest VM.

/** Where set-up put the guest's parts (build/guest.json). */
export interface GuestFiles {
  kernelVersion: string;
  kernel: string; // vmlinux (PVH boot) or a bzImage
  initramfs: string;
  module: string; // pmm.ko, as a host path
  hook: string; // libpmm.so, as a host path
  /** A -bios image (qboot), or none for QEMU's default SeaBIOS. */
  firmware?: string;
}

export type Accel = 'kvm' | 'tcg';

export interface VmOptions {
  files: GuestFiles;
  accel: Accel;
  memoryMiB: number;
  cpus: number;
  bootTimeoutMs: number;
  /** Where the serial console is written; kept after the VM ends. */
  consoleLog: string;
  /** Folder for the VM's sockets; the VM owns it and removes it. */
  runDir: string;
  /** Share the host's /tmp writable in the guest. */
  shareTmp: boolean;
  /** More host folders shared writable, each at its own path. */
  shares?: string[];
}
