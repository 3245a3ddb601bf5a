// The directory a run starts in, checked on the host before anything runs (the guest sees the same
// paths): a missing one failed in the guest's chdir, or in host mode's spawn, with words that were not pmm's.
import type { Stats } from 'fs';
import { fs, path } from './coreModules';

/** This process's working directory; it throws when that directory was removed since. */
function ownDirectory(fail: (message: string) => Error): string {
  try {
    return process.cwd();
  } catch (err) {
    throw fail(`the current directory, where the program would run, no longer exists (it was removed: ${(err as Error).message})`);
  }
}

/** The cwd option, resolved against this process's directory (or that directory when not given), checked. */
export function runDirectory(given: string | undefined, fail: (message: string) => Error): string {
  if (given === undefined) return ownDirectory(fail);
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
