// Identifies the build of an object file on disk, so that pmm notices when a fixture is rebuilt at the same
// path (Jest's watch mode) and stops trusting what it learned about the old build.

import {fs} from '../harness/coreModules';

const {statSync} = fs;

/** device, inode, size and mtime; null when the file cannot be read. */
export function objectVersion(path: string): string | null {
  try {
    const stat = statSync(path, {bigint: true});
    return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}`;
  } catch {
    return null;
  }
}
