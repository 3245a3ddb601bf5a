// The directory a run starts in, checked on the host before anything runs (the guest sees the same
// paths): a missing one failed in the guest's chdir, or in host mode's spawn, with words that were not pmm's.
import type { Stats } from 'fs';
import { fs, path } from './coreModules';

/** This process's working directory; it throws when that directory was removed since, or is not text. */
function ownDirectory(fail: (message: string) => Error): string {
  let cwd: string;
  try {
    cwd = process.cwd();
  } catch (err) {
    throw fail(`the current directory, where the program would run, no longer exists (it was removed: ${(err as Error).message})`);
  }
  // Node gives the path as text, a byte that is not UTF-8 as U+FFFD: a path to no directory, where the
  // program was "not found" (the real one is read from /proc, in case the name holds U+FFFD itself).
  if (cwd.includes('\uFFFD') && !isUtf8(rawPath('/proc/self/cwd'))) {
    throw fail(`the current directory, where the program would run, has a path that is not UTF-8 text (${JSON.stringify(cwd)}), which pmm cannot pass on: run it from another`);
  }
  return cwd;
}

/** Whether bytes are UTF-8 text (a global's check: a test's spies on core modules do not reach it). */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A link's target as it is; text when it cannot be read (no /proc): then pmm cannot tell, and goes on. */
function rawPath(link: string): Buffer {
  try {
    return fs.readlinkSync(link, { encoding: 'buffer' });
  } catch {
    return Buffer.from('');
  }
}

/** The cwd option, resolved against this process's directory (or that directory when not given), checked. */
export function runDirectory(given: string | undefined, fail: (message: string) => Error): string {
  if (given === undefined) return ownDirectory(fail);
  if (given.includes('\0')) throw fail(`option "cwd" holds a NUL character, which no path can: ${JSON.stringify(given)}`);
  const dir = path.isAbsolute(given) ? path.resolve(given) : path.resolve(ownDirectory(fail), given);
  let stat: Stats;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    throw fail(`option "cwd": ${dir} ${missing ? 'does not exist' : `cannot be looked at: ${(err as Error).message}`}`);
  }
  if (!stat.isDirectory()) throw fail(`option "cwd": ${dir} is not a directory`);
  return dir;
}
