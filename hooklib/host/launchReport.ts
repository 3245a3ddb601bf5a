// What pmm-launch (hooklib/host/launch.c), host mode's parent of the program, tells on its descriptor 3:
// the program's pid, the answers to pmm's asks to pass a signal on, then the group's signals no ask took
// and its wait status, or why it could not be run.
import { signalName } from '../../harness/signalNames';

export interface Ending {
  exitCode: number | null;
  signal: string | null;
}

/** The signals pmm passes on, in the order of the launcher's asks: the i-th is asked with requestBase + i. */
export const ASKED_SIGNALS = ['SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGTERM', 'SIGUSR1', 'SIGUSR2'] as const;

export type LaunchLine =
  | { kind: 'pid'; pid: number; requestBase: number }
  | { kind: 'answer'; signal: string; passedOn: boolean }
  /** A signal the whole group got, the program with it, that no ask took before the program ended. */
  | { kind: 'group'; signal: string }
  | { kind: 'ending'; ending: Ending }
  | { kind: 'failure'; stage: 'exec' | 'wait'; errno: number; message: string };

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

export function parseLaunchLine(line: string): LaunchLine {
  let m: RegExpExecArray | null;
  if ((m = /^pid (\d+) requests (\d+)$/.exec(line))) return { kind: 'pid', pid: Number(m[1]), requestBase: Number(m[2]) };
  if ((m = /^(passed|kept) (SIG[A-Z0-9]+)$/.exec(line))) return { kind: 'answer', signal: m[2], passedOn: m[1] === 'passed' };
  if ((m = /^group (SIG[A-Z0-9]+)$/.exec(line))) return { kind: 'group', signal: m[1] };
  if ((m = /^status (\d+)$/.exec(line))) return { kind: 'ending', ending: waitStatusEnding(Number(m[1])) };
  if ((m = /^(exec|wait) (\d+) (.*)$/.exec(line))) return { kind: 'failure', stage: m[1] as 'exec' | 'wait', errno: Number(m[2]), message: m[3] };
  throw new Error(`pmm-launch said what pmm cannot read: ${JSON.stringify(line)}`);
}

/** Adds to report what a line said of the program: its pid, its ending, or why it could not be run. */
export function noteLaunchLine(report: LaunchReport, said: LaunchLine): void {
  if (said.kind === 'pid') report.pid = said.pid;
  else if (said.kind === 'ending') report.ending = said.ending;
  else if (said.kind === 'failure') report.failure = { stage: said.stage, errno: said.errno, message: said.message };
}
