// Ctrl-Z on `pmm run` or `pmm exec`. QEMU runs in a session of its own (qemu/Vm.ts), away from the
// terminal, so the terminal's SIGTSTP stops pmm but not the VM, whose program would run on meanwhile (and
// its --timeout go on counting). pmm stops its VMs before it stops itself, and starts them again when it
// is continued (fg, bg).
import { signalLiveVms } from '../qemu/Vm';

export function stopVmsWithPmm(): void {
  process.on('SIGTSTP', () => {
    signalLiveVms('SIGSTOP');
    // What SIGTSTP would have done, had pmm not taken it.
    process.kill(process.pid, 'SIGSTOP');
  });
  process.on('SIGCONT', () => signalLiveVms('SIGCONT'));
}
