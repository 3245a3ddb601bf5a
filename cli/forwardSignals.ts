// SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to `pmm run` or `pmm exec` while the program runs. Under
// valgrind the program is valgrind's own process: Ctrl-C, Ctrl-\ or `timeout` ends it, and valgrind
// still prints what it left allocated. pmm does the same: it passes the signal on to the program
// (through pmd in the VM), waits for it to end, and reports. Before the program runs, a signal ends pmm
// as usual, and its VM with it.
import type { RunControl } from '../qemu/GuestChannel';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

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
  beforeDying: (signal: string) => void;
}

/** Installs the handlers; the function returned removes them. note says what pmm did. */
export function forwardSignals(control: RunControl, note: (message: string) => void, options: ForwardOptions): () => void {
  const said = (name: string, passedOn: boolean): void => {
    const had = options.onTerminal ? 'the program got it from the terminal too' : 'the program got it too, sent to its whole process group';
    const what = passedOn ? 'passed on to the program' : had;
    note(`pmm: ${name}: ${what}${options.reports ? '; its report follows when it has ended' : ''}`);
  };
  if (options.sharesGroup) control.signalled = said;
  const handlers = FORWARDED_SIGNALS.map((name) => {
    const handler = (): void => {
      if (!control.signal) {
        // Nothing runs yet: end as the signal would have ended pmm.
        remove();
        options.beforeDying(name);
        process.kill(process.pid, name);
        return;
      }
      control.signal(name);
      if (!options.sharesGroup) said(name, true);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  const remove = (): void => {
    for (const [name, handler] of handlers) process.removeListener(name, handler);
  };
  return remove;
}
