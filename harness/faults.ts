// Faults as results: a program that crashed, was killed or timed out, and a VM that panicked or did not
// boot, each become one plain failure detail (a JUnit <error>) that names what happened. Pure.
import { formatAmount, formatLeakMessage } from './leakReport';
import { stderrEnding } from './stderrTail';
import type { FaultFailureDetail, FaultKind, LeakSummary, RunResult } from './types';

// Signals a program sends itself or gets from outside (an OOM killer, a watchdog, a user): it was killed.
// Any other signal is the program's own fault: a crash.
const KILL_SIGNALS: ReadonlySet<string> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP']);

/** The faults a program's run itself can show; the others are the VM's. */
export type ProgramFault = Extract<FaultKind, 'crash' | 'killed' | 'timeout'>;

/** The fault a finished run shows, or null when it exited by itself. */
export function faultOfRun(run: Pick<RunResult, 'signal' | 'timedOut'>): ProgramFault | null {
  if (run.timedOut) return 'timeout';
  if (run.signal === null) return null;
  return KILL_SIGNALS.has(run.signal) ? 'killed' : 'crash';
}

/**
 * Why a run's SIGKILL came, when the guest's out-of-memory killer ended processes during it: such a kill
 * looks like any other. Null otherwise.
 */
export function outOfMemoryNote(run: Pick<RunResult, 'signal' | 'oomKills'>): string | null {
  const n = run.oomKills ?? 0;
  if (n === 0 || run.signal !== 'SIGKILL') return null;
  return `the guest ran out of memory (its out-of-memory killer ended ${n} ${n === 1 ? 'process' : 'processes'} during the run; raise the memoryMiB option or PMM_MEMORY_MIB)`;
}

/** The same for a forked child of run: the run's out-of-memory kills may have been its SIGKILL. */
export function childOutOfMemoryNote(run: Pick<RunResult, 'oomKills'>, child: Pick<RunResult, 'signal'>): string | null {
  return outOfMemoryNote({ signal: child.signal, oomKills: run.oomKills });
}

/** How a program's run ended by a fault of its own, after its name: "crashed with SIGSEGV". */
export function programFaultWords(kind: ProgramFault, run: Pick<RunResult, 'signal' | 'oomKills'>): string {
  switch (kind) {
    case 'timeout':
      return 'passed its timeout and was killed';
    case 'killed': {
      const oom = outOfMemoryNote(run);
      return `was killed by ${run.signal}${oom ? `: ${oom}` : ''}`;
    }
    case 'crash':
      return `crashed with ${run.signal}`;
  }
}

function headline(kind: FaultKind, run: Pick<RunResult, 'program' | 'signal' | 'oomKills'>): string {
  const { program } = run;
  switch (kind) {
    case 'timeout':
    case 'killed':
    case 'crash':
      return `${program} ${programFaultWords(kind, run)}`;
    case 'kernel-panic':
      return `the guest kernel panicked while running ${program}`;
    case 'boot-failure':
      return `the VM did not boot to run ${program}`;
    case 'vm-failure':
      return `the VM failed while running ${program}`;
  }
}

/** The detail a test carries for a run that ended by a signal or a timeout, with its leaks up to then. */
/** leaksApart: the run's leaks fail the test on their own too, with their stacks: they are not repeated here. */
export function faultFailureDetail(run: RunResult, kind: FaultKind, leaksApart = false): FaultFailureDetail {
  const summary: LeakSummary = { ...run.summary };
  const none = run.timedOutBeforeHook ? 'nothing was recorded: the time ran out before the hook started'
    : run.signalledBeforeHook ? `nothing was recorded: ${run.signal} ended it before the hook started` : 'no leaks up to then';
  const message = `${headline(kind, run)}; ${summary.blocks > 0 ? `${formatAmount(summary)} leaked up to then` : none}`;
  // Without leaks the message has said all there is of them (the stack said "no leaks up to then" twice).
  const leaks = summary.blocks === 0 ? [] : [leaksApart ? 'its leaks, with their stacks, are the leak failure that follows' : formatLeakMessage(run.leaks, summary, run.program)];
  return {
    name: 'PmmFault',
    message,
    stack: [message, ...leaks, ...stderrEnding(run.stderr)].join('\n'),
    pmmFault: { kind, program: run.program, signal: run.signal, summary },
  };
}

/** How the VM's own boot failure begins (qemu/Vm.ts), the rest its kernel, accelerator and why. */
const BOOT_FAILED = 'the VM did not boot ';

/**
 * An error pmm.run throws when the VM fails. Its fields are own and enumerable so that they survive the trip
 * from a Jest worker as JSON (an Error's message does not, so the reporter reads the failure message too).
 */
export class PmmFaultError extends Error {
  readonly pmmFault: FaultFailureDetail['pmmFault'];

  constructor(kind: FaultKind, program: string, cause: Error) {
    // The cause's own "pmm: " (a message of pmm's, such as PMM_KERNEL's) is not said twice, nor the VM's
    // "the VM did not boot (kernel K, tcg): ..." after the headline's "the VM did not boot to run PROGRAM".
    const why = cause.message.replace(/^pmm: /, '');
    const booting = kind === 'boot-failure' && why.startsWith(BOOT_FAILED) ? ` ${why.slice(BOOT_FAILED.length)}` : `: ${why}`;
    super(`pmm: ${headline(kind, { program, signal: null })}${booting}`);
    this.name = 'PmmFaultError';
    this.pmmFault = { kind, program, signal: null, summary: { bytes: 0, blocks: 0 } };
  }
}

/** Which fault a VM error is: its message names a panic or an oops, or a boot that did not finish. */
export function vmFaultKind(message: string, booting: boolean): FaultKind {
  if (/the guest kernel (panicked|oopsed)/.test(message)) return 'kernel-panic';
  return booting ? 'boot-failure' : 'vm-failure';
}
