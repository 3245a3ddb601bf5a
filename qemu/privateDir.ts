// A folder of pmm's at a name anyone could take first (under /tmp): used only when it is this user's own,
// for what pmm writes there (a VM's console log, a link LD_PRELOAD follows) would otherwise go where another
// user's links lead, or load another user's library, as root.
import { fs } from '../harness/coreModules';

/** Makes dir (mode 0700) unless it is there, and returns it when it is this user's own; throws otherwise. */
export function privateDir(dir: string): string {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const found = fs.lstatSync(dir);
  const uid = process.getuid?.();
  const problem = !found.isDirectory()
    ? 'it is not a folder (a link, or a file)'
    : uid !== undefined && found.uid !== uid
      ? `it belongs to another user (uid ${found.uid})`
      : (found.mode & 0o022) !== 0
        ? 'others may write in it'
        : null;
  if (problem !== null) throw new Error(`${dir}: not this user's own folder: ${problem}`);
  return dir;
}
