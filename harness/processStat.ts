// A process as /proc/PID/stat tells it: the fields pmm reads of the processes it starts (whether one is
// still alive, who its parent is, its process group and session, and its terminal's foreground group).
import { fs } from './coreModules';

export interface ProcessStat {
  pid: number;
  /** R, S, T (stopped), Z (a zombie), X (dead)... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** The foreground process group of its controlling terminal; -1 when it has none. */
  tpgid: number;
}

/** null when the process is gone. */
export function processStat(pid: number): ProcessStat | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // After the command's closing parenthesis (the command may hold spaces and parentheses itself).
  const [state, ppid, pgrp, session, _ttyNr, tpgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid, state, ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session), tpgid: Number(tpgid) };
}

/** Every process /proc lists now that is still there when read. */
export function allProcessStats(): ProcessStat[] {
  return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))
    .map((entry) => processStat(Number(entry)))
    .filter((stat): stat is ProcessStat => stat !== null);
}
