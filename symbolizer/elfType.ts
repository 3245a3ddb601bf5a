// Reads an ELF file's e_type to tell fixed-address executables (ET_EXEC) from position-independent files
// (ET_DYN: PIE executables and shared libraries), which decides whether a runtime address needs its load base
// subtracted before symbolization.

import {fs} from '../harness/coreModules';

const {closeSync, openSync, readSync} = fs;

export type ElfType = 'exec' | 'dyn' | 'other';

const ET_EXEC = 2;
const ET_DYN = 3;
const E_TYPE_OFFSET = 16; // after the 16-byte e_ident, in both ELF32 and ELF64
const HEADER_BYTES = E_TYPE_OFFSET + 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;

/** Pure: the ELF type held in the first 18 bytes of a file, or null when they are not an ELF header. */
export function parseElfType(header: Uint8Array): ElfType | null {
  if (header.length < HEADER_BYTES) return null;
  if (header[0] !== 0x7f || header[1] !== 0x45 || header[2] !== 0x4c || header[3] !== 0x46) return null;
  const encoding = header[5];
  if (encoding !== ELFDATA2LSB && encoding !== ELFDATA2MSB) return null;
  const low = header[E_TYPE_OFFSET];
  const high = header[E_TYPE_OFFSET + 1];
  const type = encoding === ELFDATA2LSB ? low | (high << 8) : (low << 8) | high;
  if (type === ET_EXEC) return 'exec';
  if (type === ET_DYN) return 'dyn';
  return 'other';
}

/** Reads the header from disk; null when the file is missing, unreadable or not ELF. */
export function readElfType(path: string): ElfType | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const header = Buffer.alloc(HEADER_BYTES);
    const got = readSync(fd, header, 0, HEADER_BYTES, 0);
    return parseElfType(header.subarray(0, got));
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Remembers each path's type for the cache's lifetime, so a run with thousands of frames reads each file once. */
export class ElfTypeCache {
  private readonly types = new Map<string, ElfType | null>();

  get(path: string): ElfType | null {
    if (!this.types.has(path)) this.types.set(path, readElfType(path));
    return this.types.get(path) ?? null;
  }
}
