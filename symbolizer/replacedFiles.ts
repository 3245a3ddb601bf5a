// A file the process mapped may be replaced at its path before pmm reads it (relinked, renamed over,
// reinstalled): read by its path, it would name the old code's addresses after the new code's functions,
// wrong without a word. The maps text gives each file's device and inode as the process's kernel saw them.

import {fs} from '../harness/coreModules';
import {isPseudoPath, type MappedObject} from './objectMap';

const {statSync} = fs;

/**
 * The paths whose file is no longer the one the process mapped: on the device it was mapped from, another
 * inode. Only when the text is this machine's own (host mode), which it is when one of its files is still
 * the one it names: the guest's kernel numbers the host's files otherwise (over 9p). A file seen through
 * another device than it was mapped from (overlayfs before Linux 6.8 maps the upper layer's file, while
 * stat shows the overlay's), or one that is gone, says nothing either way. A file written over in place
 * (`cp` onto it) keeps its inode, and is not seen.
 */
export function replacedFiles(objects: readonly MappedObject[]): Set<string> {
  const replaced = new Set<string>();
  let sameNumbers = false;
  const looked = new Set<string>();
  for (const object of objects) {
    if (object.path === null || object.inode === 0n || isPseudoPath(object.path) || looked.has(object.path)) continue;
    looked.add(object.path);
    const now = fileAt(object.path);
    if (now === null || now.device !== object.device) continue;
    if (now.inode === object.inode) sameNumbers = true;
    else replaced.add(object.path);
  }
  return sameNumbers ? replaced : new Set();
}

/** The file at path now: its device as the kernel's maps print it, and its inode. */
function fileAt(path: string): {device: string; inode: bigint} | null {
  try {
    const {dev, ino} = statSync(path, {bigint: true});
    // glibc's major() and minor() of a dev_t, printed as the kernel prints them ("%02x:%02x").
    const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
    const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
    return {device: `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`, inode: ino};
  } catch {
    return null;
  }
}
