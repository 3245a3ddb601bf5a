// A file the process mapped may be replaced at its path before pmm reads it (a relink, `cp` over it, a
// package upgrade): read by its path, it would name the old code's addresses after the new code's
// functions, wrong without a word. The maps text gives each file's inode as the process's kernel numbered it.

import {fs} from '../harness/coreModules';
import {isPseudoPath, type MappedObject} from './objectMap';

const {statSync} = fs;

/**
 * The paths whose file is no longer the one the process mapped. The inodes can only be compared when the
 * text is this machine's own (host mode): the guest's kernel numbers the host's files otherwise (over 9p).
 * It is this machine's when one of its files has, at its path, the inode the text names: a renumbering
 * gives no file its own number back. A file that is gone is not here: it cannot be read wrongly.
 */
export function replacedFiles(objects: readonly MappedObject[]): Set<string> {
  const differing = new Set<string>();
  let sameNumbers = false;
  const looked = new Set<string>();
  for (const object of objects) {
    if (object.path === null || object.inode === 0n || isPseudoPath(object.path) || looked.has(object.path)) continue;
    looked.add(object.path);
    const now = inodeAt(object.path);
    if (now === null) continue;
    if (now === object.inode) sameNumbers = true;
    else differing.add(object.path);
  }
  return sameNumbers ? differing : new Set();
}

function inodeAt(path: string): bigint | null {
  try {
    return statSync(path, {bigint: true}).ino;
  } catch {
    return null;
  }
}
