// A folder of pmm's at a name anyone could take first (under /tmp): used only when it is this user's own,
// for what pmm writes there (a VM's console log, a link LD_PRELOAD follows) would otherwise go where another
// user's links lead, or load another user's library, as root.
import { fs, path } from '../harness/coreModules';

/** Makes dir (mode 0700) unless it is there, and returns it when it is this user's own; throws otherwise. */
export function privateDir(dir: string): string {
  // In a folder others may write in without the sticky bit, they could rename ours away and put theirs in
  // its place after the checks below.
  const parent = fs.statSync(path.dirname(dir));
  if ((parent.mode & 0o002) !== 0 && (parent.mode & 0o1000) === 0) {
    throw new Error(`${path.dirname(dir)}: others may write in it and it is not sticky (as /tmp is), so no folder of pmm's there is safe`);
  }
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
      : (found.mode & 0o002) !== 0
        ? 'anyone may write in it'
        : null;
  if (problem !== null) throw new Error(`${dir}: not this user's own folder: ${problem}`);
  // Ours, but open to the group (an umask of 002 made it so, as an older pmm did): closed, as made now.
  if ((found.mode & 0o020) !== 0) fs.chmodSync(dir, found.mode & 0o755);
  return dir;
}
