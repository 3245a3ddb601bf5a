// The line `pmm setup` ends with: what set-up made ready and where, so that a run with nothing left to do
// (scripts/setup.sh says nothing then) still tells the user it worked.
import type { GuestFiles } from '../qemu/types';

export function setupReadyLine(files: GuestFiles, pmd: string): string {
  return (
    `pmm setup: ready: guest kernel ${files.kernelVersion} (${files.kernel}), pmm.ko (${files.module}), ` +
    `the hook (${files.hook}), pmd (${pmd}, in the initramfs ${files.initramfs})`
  );
}
