// Reads the guest's serial console: our init's error markers, kernel oopses and panics, and excerpts; and
// keeps the folder of console logs from growing without end.
import { fs, path } from '../harness/coreModules';

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
  // A guest that printed nothing (no kernel line: a hang before it, as under a KVM that does not work).
  if (all.length === 0) return '  (empty: the guest printed nothing)';
  return all.slice(-lines).map((l) => `  | ${l}`).join('\n');
}

/** How many console logs a folder keeps at least, and how old one must be to go. */
export const CONSOLE_LOGS_KEPT = 200;
export const CONSOLE_LOG_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Removes the console logs (console-*.log) of dir past the newest `kept` that are older than maxAgeMs: one
 * is written per VM boot, and nothing else removes them. A recent one may be another process's VM's, still
 * being written, and stays. What cannot be read or removed is left alone.
 */
export function pruneConsoleLogs(dir: string, kept = CONSOLE_LOGS_KEPT, maxAgeMs = CONSOLE_LOG_MAX_AGE_MS, now = Date.now()): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => /^console-.*\.log$/.test(name));
  } catch {
    return;
  }
  const logs = names.flatMap((name) => {
    try {
      return [{ file: path.join(dir, name), mtimeMs: fs.statSync(path.join(dir, name)).mtimeMs }];
    } catch {
      return [];
    }
  });
  logs.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const log of logs.slice(kept)) {
    if (now - log.mtimeMs <= maxAgeMs) continue;
    try {
      fs.unlinkSync(log.file);
    } catch {
      // gone already, or not ours to remove
    }
  }
}
