// The names valgrind gives functions, for suppressions both tools read. valgrind names a function by the ELF
// symbol tables it reads, not by the debug info: the object's own .symtab (else the separate debug file's,
// found by build-id under /usr/lib/debug, whose glibc names carry versions: fdopen@@GLIBC_2.2.5) and its
// .dynsym (whose names it reads without their versions). Where several names alias one address it keeps
// one: the shortest without its version, then a versioned one, then the first alphabetically. An address
// no symbol covers has no name (valgrind's ???). llvm-symbolizer names a function by its debug info
// instead: glibc's _IO_fdopen, tmpfile64, __asprintf and msort_with_tmp are fdopen@@GLIBC_2.2.5,
// tmpfile@@GLIBC_2.2.5, asprintf and msort_with_tmp.part.0 in valgrind's stacks (with libc6-dbg; fdopen,
// tmpfile, asprintf and no name without it), so a suppression one tool wrote did not match in the other.

import {childProcess, fs, path} from '../harness/coreModules';

interface TableSymbol {
  address: bigint;
  size: bigint;
  name: string;
}

/** A symbol table: functions by address, one name each. */
export class SymbolTable {
  /** By address, then size; those of one address and size merged into valgrind's choice. */
  private readonly symbols: TableSymbol[];

  constructor(symbols: readonly TableSymbol[]) {
    const sorted = [...symbols].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.size < b.size ? -1 : a.size > b.size ? 1 : 0));
    const merged: TableSymbol[] = [];
    for (const symbol of sorted) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last.address === symbol.address && last.size === symbol.size) merged[merged.length - 1] = preferred(last, symbol);
      else merged.push(symbol);
    }
    this.symbols = merged;
  }

  /**
   * The name of the function address is in, or undefined when none is. As valgrind makes its table: a
   * symbol that overlaps the next one ends where that one starts, and of two starting together the smaller
   * comes first. So only the symbols that start nearest below address count.
   */
  nameAt(address: bigint): string | undefined {
    let low = 0;
    let high = this.symbols.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.symbols[middle].address <= address) low = middle + 1;
      else high = middle;
    }
    if (low === 0) return undefined;
    const start = this.symbols[low - 1].address;
    let first = low - 1;
    while (first > 0 && this.symbols[first - 1].address === start) first--;
    for (let index = first; index < low; index++) {
      const symbol = this.symbols[index];
      if (address < symbol.address + symbol.size) return symbol.name;
    }
    return undefined;
  }
}

/** valgrind's choice between two names of one address (its prefersym). */
export function preferred(a: TableSymbol, b: TableSymbol): TableSymbol {
  const bare = (name: string): number => (name.includes('@') ? name.indexOf('@') : name.length);
  if (bare(a.name) !== bare(b.name)) return bare(a.name) < bare(b.name) ? a : b;
  const versioned = (name: string): boolean => name.includes('@');
  if (versioned(a.name) !== versioned(b.name)) return versioned(a.name) ? a : b;
  return a.name < b.name ? a : b;
}

/** Pure: nm -S's lines, the functions among them (text symbols with a size); unversioned: without `@...`. */
export function parseNmOutput(text: string, unversioned = false): TableSymbol[] {
  const symbols: TableSymbol[] = [];
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) [TtWw] (\S+)$/.exec(line);
    if (match === null) continue;
    const size = BigInt(`0x${match[2]}`);
    const name = unversioned ? match[3].replace(/@.*$/, '') : match[3];
    if (size > 0n && name !== '') symbols.push({address: BigInt(`0x${match[1]}`), size, name});
  }
  return symbols;
}

const ELF_MAGIC = 0x464c457f;
const PT_NOTE = 4;
const NT_GNU_BUILD_ID = 3;

/** Pure: the GNU build-id of a 64-bit little-endian ELF file's program headers and notes, in hex. */
export function buildIdOf(read: (offset: number, length: number) => Buffer): string | null {
  const header = read(0, 64);
  if (header.length < 64 || header.readUInt32LE(0) !== ELF_MAGIC || header[4] !== 2 || header[5] !== 1) return null;
  const phoff = Number(header.readBigUInt64LE(0x20));
  const phentsize = header.readUInt16LE(0x36);
  const phnum = header.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = read(phoff + i * phentsize, 56);
    if (ph.length < 56 || ph.readUInt32LE(0) !== PT_NOTE) continue;
    const notes = read(Number(ph.readBigUInt64LE(8)), Number(ph.readBigUInt64LE(0x20)));
    for (let at = 0; at + 12 <= notes.length;) {
      const nameSize = notes.readUInt32LE(at);
      const descSize = notes.readUInt32LE(at + 4);
      const type = notes.readUInt32LE(at + 8);
      const name = at + 12;
      const desc = name + ((nameSize + 3) & ~3);
      if (type === NT_GNU_BUILD_ID && nameSize === 4 && notes.toString('latin1', name, name + 3) === 'GNU') return notes.toString('hex', desc, desc + descSize);
      at = desc + ((descSize + 3) & ~3);
    }
  }
  return null;
}

/** Where the separate debug file of an object is, by its build-id (Debian's -dbg and -dbgsym packages). */
export function debugFileOf(object: string, debugRoot = '/usr/lib/debug'): string | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(object, 'r');
    const file = fd;
    const id = buildIdOf((offset, length) => {
      const buffer = Buffer.alloc(Math.min(length, 1 << 16));
      return buffer.subarray(0, fs.readSync(file, buffer, 0, buffer.length, offset));
    });
    if (id === null || id.length < 4) return null;
    const debug = path.join(debugRoot, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
    return fs.existsSync(debug) ? debug : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function nm(args: readonly string[], unversioned = false): Promise<TableSymbol[]> {
  return new Promise(resolve => {
    childProcess.execFile('nm', [...args], {encoding: 'utf8', maxBuffer: 512 * 2 ** 20, timeout: 60_000}, (error, stdout) => {
      resolve(error ? [] : parseNmOutput(stdout, unversioned));
    });
  });
}

/** The tables valgrind reads for object, merged: null when none has a function (or nm cannot be run). */
export async function readSymbolTable(object: string): Promise<SymbolTable | null> {
  let own = await nm(['-S', '--defined-only', object]);
  const debug = own.length === 0 ? debugFileOf(object) : null;
  if (debug !== null) own = await nm(['-S', '--defined-only', debug]);
  const dynamic = await nm(['-D', '-S', '--defined-only', object], true);
  const symbols = [...own, ...dynamic];
  return symbols.length === 0 ? null : new SymbolTable(symbols);
}
