// What pmm-launch (hooklib/host/launch.c), host mode's parent of the program, tells on its descriptor 3:
// the program's pid, then its wait status or why it could not be run.
import { signalName } from '../../harness/signalNames';

export interface Ending {
  exitCode: number | null;
  signal: string | null;
}

export interface LaunchReport {
  /** The program's pid, once forked. */
  pid: number | null;
  /** How it ended, from its wait status; null when the launcher did not say (it was killed). */
  ending: Ending | null;
  /** Why it could not be run (fork or execvp, errno and its text), or its status had. */
  failure: { stage: 'exec' | 'wait'; errno: number; message: string } | null;
}

/** A wait status as a result gives it: the exit status, or the signal that killed the process. */
export function waitStatusEnding(status: number): Ending {
  const signal = status & 0x7f;
  if (signal === 0) return { exitCode: (status >> 8) & 0xff, signal: null };
  return { exitCode: null, signal: signalName(signal) };
}

export function parseLaunchReport(text: string): LaunchReport {
  const report: LaunchReport = { pid: null, ending: null, failure: null };
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^pid (\d+)$/.exec(line))) report.pid = Number(m[1]);
    else if ((m = /^status (\d+)$/.exec(line))) report.ending = waitStatusEnding(Number(m[1]));
    else if ((m = /^(exec|wait) (\d+) (.*)$/.exec(line))) report.failure = { stage: m[1] as 'exec' | 'wait', errno: Number(m[2]), message: m[3] };
    else if (line !== '') throw new Error(`pmm-launch said what pmm cannot read: ${JSON.stringify(line)}`);
  }
  return report;
}
