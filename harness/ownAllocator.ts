// Whether a dynamically linked program brings its own allocator, which the hook cannot stand in front of:
// an executable that defines malloc itself (mimalloc, jemalloc or tcmalloc linked in, a sanitizer's
// runtime linked statically) gets every call to it, the C library's own too, before any preloaded
// library; and a sanitizer's shared runtime (libasan.so...) replaces malloc and will not start unless
// it is the first library loaded. Either way the hook would see none of the program's blocks.
const SHT_DYNAMIC = 6;
const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const DT_NULL = 0;
const DT_NEEDED = 1;
const SECTION_HEADER_BYTES = 64;
const SYMBOL_BYTES = 24;
const DYNAMIC_ENTRY_BYTES = 16;

/** The functions whose definition in the executable takes the process's allocations away from the hook. */
const ALLOCATOR_FUNCTIONS = ['malloc', 'calloc', 'realloc', 'free'];
/** The sanitizers whose runtime replaces malloc (UBSan's does not). */
const SANITIZER_RUNTIME = /^lib(asan|hwasan|lsan|msan|tsan)\.so/;
const SANITIZER_NAMES: Record<string, string> = {
  asan: 'AddressSanitizer', hwasan: 'HWAddressSanitizer', lsan: 'LeakSanitizer', msan: 'MemorySanitizer', tsan: 'ThreadSanitizer',
};

type Read = (offset: number, length: number) => Buffer;

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
}

/** The section headers of a 64-bit little-endian ELF file; [] when it has none to read. */
function sectionHeaders(read: Read): Section[] {
  const header = read(0, 64);
  if (header.length < 64) return [];
  const shoff = Number(header.readBigUInt64LE(40));
  const entsize = header.readUInt16LE(58);
  const count = header.readUInt16LE(60);
  if (shoff === 0 || entsize < SECTION_HEADER_BYTES || count === 0) return [];
  const table = read(shoff, entsize * count);
  const sections: Section[] = [];
  for (let at = 0; at + SECTION_HEADER_BYTES <= table.length; at += entsize) {
    sections.push({
      type: table.readUInt32LE(at + 4),
      offset: Number(table.readBigUInt64LE(at + 24)),
      size: Number(table.readBigUInt64LE(at + 32)),
      link: table.readUInt32LE(at + 40),
    });
  }
  return sections;
}

/** The NUL-terminated string at start of a string table. */
function stringAt(table: Buffer, start: number): string {
  const end = table.indexOf(0, start);
  return table.toString('latin1', start, end < 0 ? table.length : end);
}

/** The first section of this type and the string table it links to, read; null when there is none. */
function sectionWithStrings(read: Read, sections: Section[], type: number): { data: Buffer; strings: Buffer } | null {
  const found = sections.find((s) => s.type === type);
  const strings = found === undefined ? undefined : sections[found.link];
  if (found === undefined || strings === undefined) return null;
  return { data: read(found.offset, found.size), strings: read(strings.offset, strings.size) };
}

/**
 * The names of the functions the file defines and exports. A name it only calls (an undefined symbol, even
 * one with a value: a non-PIE program's canonical PLT entry, when it takes malloc's address) is not one.
 */
function definedFunctions(read: Read, sections: Section[]): Set<string> {
  const defined = new Set<string>();
  const dynsym = sectionWithStrings(read, sections, SHT_DYNSYM);
  if (dynsym === null) return defined;
  for (let at = 0; at + SYMBOL_BYTES <= dynsym.data.length; at += SYMBOL_BYTES) {
    const type = dynsym.data[at + 4] & 0xf;
    if (dynsym.data.readUInt16LE(at + 6) === SHN_UNDEF || (type !== STT_FUNC && type !== STT_GNU_IFUNC)) continue;
    defined.add(stringAt(dynsym.strings, dynsym.data.readUInt32LE(at)));
  }
  return defined;
}

/** The libraries the file names as needed (DT_NEEDED), in order. */
function neededLibraries(read: Read, sections: Section[]): string[] {
  const dynamic = sectionWithStrings(read, sections, SHT_DYNAMIC);
  const needed: string[] = [];
  if (dynamic === null) return needed;
  for (let at = 0; at + DYNAMIC_ENTRY_BYTES <= dynamic.data.length; at += DYNAMIC_ENTRY_BYTES) {
    const tag = dynamic.data.readBigInt64LE(at);
    if (tag === BigInt(DT_NULL)) break;
    if (tag === BigInt(DT_NEEDED)) needed.push(stringAt(dynamic.strings, Number(dynamic.data.readBigUInt64LE(at + 8))));
  }
  return needed;
}

/** "malloc", "malloc and free", "malloc, calloc and free". */
function listed(names: string[]): string {
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * Why a dynamically linked 64-bit little-endian ELF executable's allocations would not reach the hook, or
 * null when they do (or when its section headers cannot be read). read(offset, length) gives bytes of the file.
 */
export function ownAllocatorReason(read: Read): string | null {
  const sections = sectionHeaders(read);
  const runtime = neededLibraries(read, sections).find((name) => SANITIZER_RUNTIME.test(name));
  if (runtime !== undefined) {
    const sanitizer = SANITIZER_NAMES[SANITIZER_RUNTIME.exec(runtime)?.[1] ?? ''];
    return `it is built with ${sanitizer} (it needs ${runtime}), whose runtime replaces malloc and must be the first ` +
      'library loaded, before the hook (LD_PRELOAD)';
  }
  const defined = definedFunctions(read, sections);
  const own = ALLOCATOR_FUNCTIONS.filter((name) => defined.has(name));
  if (own.length === 0) return null;
  return `it defines ${listed(own)} itself (an allocator linked in, such as mimalloc, jemalloc or a sanitizer's runtime): ` +
    "the loader binds every call to them there, the C library's too, before the hook (LD_PRELOAD)";
}
