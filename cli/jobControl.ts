// Ctrl-Z on `pmm run` or `pmm exec`. QEMU runs in a session of its own (qemu/Vm.ts), away from the
// terminal, so the terminal's SIGTSTP stops pmm but not the VM, whose program would run on meanwhile (and
// its --timeout go on counting). pmm stops its VMs before it stops itself, and starts them again when it
// is continued (fg, bg).
//
// In host mode the program's launcher and the program are in pmm's process group, and the terminal's
// SIGTSTP stops them too, unless the group is orphaned (pmm leads its own session: `script -c`, `ssh -t
// host 'pmm run --host ...'`, no shell with job control above it): the kernel then drops a stop signal
// whose action is the default. pmm stops those processes itself then, as the signal would have. The
// launcher catches SIGTSTP (to tell its program's from the terminal's: hooklib/host/launch.c) and takes
// the default action again, which the kernel drops there too: pmm stops its own children as well.
import * as fs from 'fs';
import { constants } from 'os';
import { allProcessStats, processStat } from '../harness/processStat';
import { signalLiveVms } from '../qemu/Vm';

/** Whether the process neither catches nor ignores SIGTSTP: its default action, a stop. */
function stopsByDefault(pid: number): boolean {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const mask = (name: string): bigint => BigInt(`0x${new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1] ?? '0'}`);
    const bit = 1n << BigInt(constants.signals.SIGTSTP - 1);
    return (mask('SigCgt') & bit) === 0n && (mask('SigIgn') & bit) === 0n;
  } catch {
    return false;
  }
}

/**
 * The other processes of pmm's process group that the terminal's SIGTSTP did not stop because the group
 * is orphaned (no member has a parent in another group of the same session), and would have otherwise.
 */
export function orphanedGroupToStop(self = process.pid): number[] {
  const own = processStat(self);
  if (!own) return [];
  const group = allProcessStats().filter((stat) => stat.pgrp === own.pgrp);
  const orphaned = group.every((member) => {
    const parent = processStat(member.ppid);
    return !parent || parent.pgrp === own.pgrp || parent.session !== own.session;
  });
  return orphaned ? group.filter((member) => member.pid !== self && (member.ppid === self || stopsByDefault(member.pid))).map((member) => member.pid) : [];
}

export function stopVmsWithPmm(): void {
  let stoppedHere: number[] = [];
  const signal = (pids: number[], name: NodeJS.Signals): void => {
    for (const pid of pids) {
      try {
        process.kill(pid, name);
      } catch {
        // gone
      }
    }
  };
  process.on('SIGTSTP', () => {
    signalLiveVms('SIGSTOP');
    stoppedHere = orphanedGroupToStop();
    signal(stoppedHere, 'SIGSTOP');
    // What SIGTSTP would have done, had pmm not taken it.
    process.kill(process.pid, 'SIGSTOP');
  });
  process.on('SIGCONT', () => {
    signalLiveVms('SIGCONT');
    signal(stoppedHere.splice(0), 'SIGCONT');
  });
}
