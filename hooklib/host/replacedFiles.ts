// The hook writes its object map as the process starts (and at each dlopen): which file is mapped where. A
// file replaced at its path since (relinked, renamed over, reinstalled) is no longer the one mapped, and
// the symbolizer, which reads the file at that path, would name the old code's addresses after the new
// code's functions, wrong without a word. The kernel's own maps would now say " (deleted)" after that
// path, for the mapped inode has no name left: so does host mode's reader, as pmd does in the guest
// (pmd/replaced.c).
import * as fs from 'fs';

const DELETED = ' (deleted)';

// start-end perms offset major:minor inode path
const MAPS_FILE_LINE = /^[0-9a-f]+-[0-9a-f]+\s+\S{4}\s+[0-9a-f]+\s+([0-9a-f]+):([0-9a-f]+)\s+(\d+)\s+(\/.*)$/i;

/** The text with each line whose file is now another inode on the same device marked " (deleted)". */
export function markReplaced(mapsText: string): string {
  // An object's lines come one after another: its file is looked at once.
  let seen: { path: string; inode: string; replaced: boolean } | null = null;
  return mapsText
    .split('\n')
    .map((line) => {
      const m = MAPS_FILE_LINE.exec(line);
      if (m === null || m[3] === '0' || line.endsWith(DELETED)) return line;
      const [, major, minor, inode, file] = m;
      if (seen === null || seen.path !== file || seen.inode !== inode) seen = { path: file, inode, replaced: replaced(file, BigInt(`0x${major}`), BigInt(`0x${minor}`), BigInt(inode)) };
      return seen.replaced ? `${line}${DELETED}` : line;
    })
    .join('\n');
}

/** Whether the file at path is another inode on the device the process mapped it from (gone, or seen through another device: not known). */
function replaced(file: string, major: bigint, minor: bigint, inode: bigint): boolean {
  try {
    const { dev, ino } = fs.statSync(file, { bigint: true });
    // glibc's major() and minor() of a dev_t.
    const sameDevice = (((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)) === major && ((dev & 0xffn) | ((dev >> 12n) & ~0xffn)) === minor;
    return sameDevice && ino !== inode;
  } catch {
    return false;
  }
}
