// Reads the guest's serial console: our init's error markers, kernel oopses and panics, and excerpts.

/** What the console says went wrong, if anything. */
export interface ConsoleFault {
  kind: 'init-error' | 'panic' | 'oops';
  line: string;
}

// The init script prints this prefix before every error (qemu/guest/init).
const INIT_ERROR = /pmm-guest: error: (.*)/;
const PANIC = /Kernel panic - not syncing/;
const OOPS = /\b(BUG: |Oops: |general protection fault|WARNING: CPU: \d+ PID: \d+)/;

export function findConsoleFault(text: string): ConsoleFault | null {
  for (const line of text.split('\n')) {
    const init = INIT_ERROR.exec(line);
    if (init) return { kind: 'init-error', line: init[1].trim() };
    if (PANIC.test(line)) return { kind: 'panic', line: line.trim() };
    if (OOPS.test(line)) return { kind: 'oops', line: line.trim() };
  }
  return null;
}

/** The last lines of the console, for error messages. */
export function consoleExcerpt(text: string, lines = 30): string {
  const all = text.replace(/\r/g, '').split('\n');
  while (all.length > 0 && all[all.length - 1].trim() === '') all.pop();
  return all.slice(-lines).map((l) => `  | ${l}`).join('\n');
}
