// Signals by name, as results give them. pmd names them in the guest with glibc's abbreviations
// (sigabbrev_np) and SIGRTMIN+N for the real-time ones; host mode names the numbers it has the same
// way, so a run says the same in both modes. Node's own table would not do: it has no real-time
// signals, and it gives 6 and 29 two names each.
import { os } from './coreModules';

/** glibc's abbreviations of signals 1 to 31 on Linux. */
const ABBREVIATIONS = [
  'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM',
  'STKFLT', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'POLL',
  'PWR', 'SYS',
];
/** glibc's: the C library keeps 32 and 33 for itself. */
const SIGRTMIN = 34;
const SIGRTMAX = 64;

export function signalName(signal: number): string {
  if (signal >= 1 && signal <= ABBREVIATIONS.length) return `SIG${ABBREVIATIONS[signal - 1]}`;
  if (signal >= SIGRTMIN && signal <= SIGRTMAX) return `SIGRTMIN+${signal - SIGRTMIN}`;
  return `SIG${signal}`;
}

/** The number of a signal named by signalName (or by Node: SIGIOT, SIGIO), or null when it names none. */
export function signalNumber(name: string): number | null {
  if (!name.startsWith('SIG')) return null;
  const at = ABBREVIATIONS.indexOf(name.slice(3));
  if (at >= 0) return at + 1;
  const realTime = /^SIGRTMIN\+(\d+)$/.exec(name);
  if (realTime && SIGRTMIN + Number(realTime[1]) <= SIGRTMAX) return SIGRTMIN + Number(realTime[1]);
  const bare = /^SIG(\d+)$/.exec(name);
  if (bare) return Number(bare[1]);
  return (os.constants.signals as Record<string, number>)[name] ?? null;
}

/** How a process ended, as pmm's messages say it: "was killed by SIGKILL", "exited with status 1". */
export function endingWords(code: number | null, signal: string | null): string {
  return signal ? `was killed by ${signal}` : `exited with status ${code}`;
}
