// SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 sent to `pmm run` or `pmm exec` while the program runs. Under
// valgrind the program is valgrind's own process: Ctrl-C, Ctrl-\ or `timeout` ends it, and valgrind
// still prints what it left allocated. pmm does the same: it passes the signal on to the program
// (through pmd in the VM), waits for it to end, and reports. Before the program runs, and once it has
// ended, the signal ends pmm as it would any program (and its VM with it), as Ctrl-C ends valgrind
// during its leak check; but not one sent to the whole process group that pmm and (host mode) the
// program share, which the program got too and may have died of before pmm's handler ran: valgrind
// reports then.
import type { RunControl } from '../qemu/GuestChannel';

const ENDING_SIGNALS: readonly string[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
const FORWARDED_SIGNALS = [...ENDING_SIGNALS, 'SIGUSR1', 'SIGUSR2'] as const;

/** When a signal that ends pmm came: before the program ran, or after it ended. */
export type EndingPhase = 'before the program' | 'after the program';

export interface ForwardOptions {
  /**
   * The program is in pmm's process group (host mode): a signal that the terminal sends to its foreground
   * group (Ctrl-C's SIGINT, Ctrl-\'s SIGQUIT, a hangup's SIGHUP), or a kill sends to the whole group,
   * reached the program already, and is not sent again, for a program that shuts down gracefully on the
   * first would take a second as "now, at once". pmm cannot tell whence its own came; the program's
   * launcher can, and says (control.signalled).
   */
  sharesGroup: boolean;
  /** Whether pmm's stdin, stdout or stderr is a terminal: a signal the group got is then likely the terminal's. */
  onTerminal: boolean;
  /** pmm run, which reports the program's leaks; pmm exec only passes its status on. */
  reports: boolean;
  /**
   * What must not outlive pmm when a signal ends it (the VM it is booting), and what it must leave said (the
   * --junit report): no exit handler runs then.
   */
  beforeDying: (signal: string, phase: EndingPhase) => void;
  /**
   * A signal that asks a program to end was passed on to it: the run is being ended (cli/passOutput.ts
   * stops waiting for a stalled reader). Not SIGUSR1 or SIGUSR2, which ask a program to do something and
   * go on (dd's progress).
   */
  passedOn?: (signal: string) => void;
  /**
   * What must be said before pmm is left to a signal's default action, which no handler of pmm's sees (the
   * --junit report: the run has no result yet).
   */
  beforeDefaultAction: () => void;
}

export interface SignalForwarding {
  /**
   * The program has ended and its run has been read (host mode's folder removed): a signal pmm took since
   * ends it now, and from then on one ends it at once, by the signal's default action. Making the report
   * of a run that leaked millions of blocks holds Node's event loop for seconds, where a handler would
   * wait to run, and then only end pmm the later.
   */
  programEnded(): Promise<void>;
  /** Removes the handlers: the run failed, which pmm is about to say. */
  stop(): void;
}

/** Installs the handlers. note says what pmm did. */
export function forwardSignals(control: RunControl, note: (message: string) => void, options: ForwardOptions): SignalForwarding {
  const said = (name: string, passedOn: boolean): void => {
    const had = options.onTerminal ? 'the program got it from the terminal too' : 'the program got it too, sent to its whole process group';
    const what = passedOn ? 'passed on to the program' : had;
    note(`pmm: ${name}: ${what}${options.reports ? '; its report follows when it has ended' : ''}`);
  };
  if (options.sharesGroup) control.signalled = said;
  let programEnded = false;
  // The first signal that came once the program had ended, before its run was read.
  let late: string | null = null;
  const die = (name: string, phase: EndingPhase): void => {
    stop();
    if (phase === 'after the program' && options.reports) note(`pmm: ${name}: stopped before the report`);
    options.beforeDying(name, phase);
    process.kill(process.pid, name);
  };
  // One the group got (the program had it, and often died of it) is no ask to stop the report, whether its
  // handler ran before the run was read or, on a loaded machine, while it was.
  const hadFromGroup = (name: string): boolean => options.sharesGroup && control.hadFromGroup?.(name) === true;
  const handlers = FORWARDED_SIGNALS.map((name) => {
    const handler = (): void => {
      if (programEnded) {
        if (hadFromGroup(name)) said(name, false);
        else die(name, 'after the program');
      }
      else if (!control.signal) die(name, 'before the program'); // nothing runs yet
      else if (control.signal(name)) {
        if (!options.sharesGroup) said(name, true);
        if (ENDING_SIGNALS.includes(name)) options.passedOn?.(name);
      } else if (control.ended?.() === true) die(name, 'after the program'); // the VM goes with pmm
      else late ??= name; // ends pmm once the runner has cleaned up after the program
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  const stop = (): void => {
    for (const [name, handler] of handlers) process.removeListener(name, handler);
  };
  return {
    programEnded: async () => {
      programEnded = true;
      if (late !== null && hadFromGroup(late)) said(late, false);
      else if (late !== null) return die(late, 'after the program');
      options.beforeDefaultAction();
      // A signal taken while the run was read reaches its handler in the event loop's next poll phase. The
      // first immediate may come in the check phase of the turn that called this, right after its poll; the
      // second comes after a poll of its own.
      for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
      stop();
    },
    stop,
  };
}
