// Parses the text of /proc/<pid>/maps into mapped objects and finds the object that holds an address.
// pmd sends the hook's maps text with each run, and the host reads it after the process is gone.

import {fs} from '../harness/coreModules';

const {existsSync} = fs;

export interface MappedObject {
  start: bigint;
  end: bigint; // exclusive, as the kernel prints it
  offset: bigint; // file offset of start
  perms: string; // e.g. "r-xp"
  path: string | null; // null for anonymous mappings; "[heap]", "[vdso]"… for the kernel's pseudo-paths
}

// start-end perms offset dev inode [path]; the path is the rest of the line and may hold spaces.
const MAPS_LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+\S+\s+\d+\s*(.*)$/i;

export function parseObjectMap(mapsText: string): MappedObject[] {
  const objects: MappedObject[] = [];
  for (const line of mapsText.split('\n')) {
    const match = MAPS_LINE.exec(line.trimEnd());
    if (match === null) continue; // a torn or empty line says nothing about where code lives
    const [, start, end, perms, offset, path] = match;
    objects.push({
      start: BigInt(`0x${start}`),
      end: BigInt(`0x${end}`),
      offset: BigInt(`0x${offset}`),
      perms,
      path: path === '' ? null : unescapedPath(path),
    });
  }
  return objects;
}

/**
 * The kernel writes a newline in a path as \012, and leaves a backslash as it is: `a\012b` is either. The
 * file that is there decides (the text is read while the program's files are still in place).
 */
function unescapedPath(text: string): string {
  if (!text.includes('\\012')) return text;
  const newline = text.replaceAll('\\012', '\n');
  return !existsSync(text) && existsSync(newline) ? newline : text;
}

export function findObject(objects: readonly MappedObject[], address: bigint): MappedObject | null {
  return objects.find(object => address >= object.start && address < object.end) ?? null;
}

/**
 * The image the hook said the process was about to exec, or a spawned child runs: the text's last line
 * "exec PATH" (hooklib/pmm_maps.c). The hook of a new image sends its own text, without one, so a text
 * that still has it is that of a process whose image never took the hook. null without one.
 */
export function execImage(mapsText: string): string | null {
  const lines = mapsText.trimEnd().split('\n');
  const m = /^exec (\/.*)$/.exec(lines[lines.length - 1] ?? '');
  return m ? m[1] : null;
}

/**
 * Whether the image started with recording off (PMM_HOOKS_ACTIVE=0): the hook's first line then says so
 * (hooklib/pmm_internal.h's PMM_STARTED_OFF_LINE), whoever put the variable in its environment. Not of a
 * text that ends naming the image exec-ed next (execImage): that image's hook never sent its own.
 */
export function recordingStartedOff(mapsText: string): boolean {
  return mapsText.startsWith('recording off at start\n') && execImage(mapsText) === null;
}

/**
 * The file the process runs, as its maps text shows it: the image it exec()ed last when the text names
 * one (execImage), else the lowest-mapped file. The kernel maps an
 * executable below the libraries, the heap and the stacks (a PIE at ELF_ET_DYN_BASE, any other at its
 * link address), and /proc/<pid>/maps lists by address; the hook's text puts the objects a process
 * closed after the ones it still has. A program started through the loader itself (ld.so ./prog) shows
 * as the loader. null for a text without files.
 */
export function mainObjectPath(mapsText: string): string | null {
  const image = execImage(mapsText);
  if (image !== null) return image;
  const file = parseObjectMap(mapsText).find(object => object.path !== null && object.path.startsWith('/'));
  return file?.path?.replace(/ \(deleted\)$/, '') ?? null;
}

/** True for a path the kernel made up ("[vdso]", "[stack]") rather than a file on disk. */
export function isPseudoPath(path: string): boolean {
  return path.startsWith('[') && path.endsWith(']');
}

/**
 * Where a position-independent file was loaded: the start of its mapping with file offset 0. When that
 * mapping is missing (the maps text was cut), start − offset of the mapping that holds the address gives the
 * same base for the usual layout where segments keep their file offsets' spacing in memory.
 */
export function loadBase(objects: readonly MappedObject[], holder: MappedObject): bigint {
  const first = objects.find(object => object.path === holder.path && object.offset === 0n);
  return first !== undefined ? first.start : holder.start - holder.offset;
}

/** Parses "0x…" (or bare hex) into a bigint; null for anything else, so a bad record never throws. */
export function parseAddress(text: string): bigint | null {
  const match = /^(?:0x)?([0-9a-f]{1,16})$/i.exec(text.trim());
  return match === null ? null : BigInt(`0x${match[1]}`);
}

export function formatAddress(address: bigint): string {
  return `0x${address.toString(16)}`;
}
