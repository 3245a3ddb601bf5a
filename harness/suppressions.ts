// Suppressions: LeakSanitizer's `leak:PATTERN` files and valgrind's suppression files, matched against a
// leak's symbolized stack, and valgrind's Memcheck:Free ones against a mismatched release's. A run's
// suppressed leaks and releases are set apart and counted on their own.
import { fs } from './coreModules';
import { isBelowMain } from './leakReport';
import type { AllocationKind, Frame, Leak, LeakSummary, Mismatch, ReleaseKind } from './types';
import { shownValue } from './shownValue';

/** LSan: PATTERN found in any frame's function, file or object; `*` is any text, `^`/`$` anchor it (`?` is itself). */
export interface LsanSuppression {
  format: 'lsan';
  pattern: string;
  where: string; // FILE:LINE of the rule, as a suppressed leak names it
}

/**
 * valgrind: fun:/obj: globs matched frame by frame from the allocation function outwards (a leak's,
 * Memcheck:Leak) or from the releasing one (a mismatched release's, Memcheck:Free); `...` skips frames.
 */
export interface ValgrindSuppression {
  format: 'valgrind';
  name: string;
  kind?: 'free'; // Memcheck:Free; absent for Memcheck:Leak
  frames: string[]; // "fun:GLOB", "obj:GLOB" or "..."
  where: string; // FILE:LINE of its "{"
}

export type Suppression = LsanSuppression | ValgrindSuppression;

export class SuppressionError extends Error {
  constructor(file: string, line: number | null, message: string) {
    super(`pmm: suppressions ${file}${line === null ? '' : `:${line}`}: ${message}`);
    this.name = 'SuppressionError';
  }
}

/** Parses one file's text; a file is in valgrind's format when its first non-comment line is `{`. */
export function parseSuppressions(text: string, file = '<text>'): Suppression[] {
  const lines = text.split('\n').map((l) => l.trim());
  const first = lines.find((l) => l !== '' && !l.startsWith('#'));
  return first === '{' ? parseValgrind(lines, file) : parseLsan(lines, file);
}

function parseLsan(lines: string[], file: string): Suppression[] {
  const out: Suppression[] = [];
  lines.forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const m = /^([^:\s]+):(.+)$/.exec(line);
    if (!m) throw new SuppressionError(file, i + 1, `expected TYPE:PATTERN, got ${shownValue(line)}`);
    // LeakSanitizer refuses a file with any other type (leaks:, Leak:, another sanitizer's race:): so does pmm,
    // rather than pass over a rule that suppresses nothing.
    if (m[1] !== 'leak') throw new SuppressionError(file, i + 1, `unknown type ${JSON.stringify(`${m[1]}:`)}: LeakSanitizer's files have leak:PATTERN lines only`);
    out.push({ format: 'lsan', pattern: m[2].trim(), where: `${file}:${i + 1}` });
  });
  return out;
}

function parseValgrind(lines: string[], file: string): Suppression[] {
  const out: Suppression[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    if (line !== '{') throw new SuppressionError(file, i + 1, `expected "{", got ${shownValue(line)}`);
    const start = i;
    // Each line with its number, so that an error names the line at fault, not the block's "{".
    const body: Array<{ text: string; line: number }> = [];
    for (i++; i < lines.length && lines[i] !== '}'; i++) {
      if (lines[i] !== '' && !lines[i].startsWith('#')) body.push({ text: lines[i], line: i + 1 });
    }
    if (i === lines.length) throw new SuppressionError(file, start + 1, 'suppression not closed with "}"');
    i++;
    const [name, kind, ...rest] = body;
    if (name === undefined || kind === undefined) throw new SuppressionError(file, start + 1, 'a suppression needs a name and a kind');
    const memcheckKind = memcheckKindOf(kind, file);
    // Only memcheck's leak and free suppressions say anything about what pmm reports; the rest of the file
    // (invalid reads, uninitialised values, other tools') is valgrind's business.
    if (memcheckKind !== 'Leak' && memcheckKind !== 'Free') continue;
    const frameLines = rest.filter((l) => !l.text.startsWith('match-leak-kinds:'));
    for (const l of rest.filter((l) => l.text.startsWith('match-leak-kinds:'))) checkLeakKinds(l, file);
    for (const f of frameLines) {
      if (f.text !== '...' && !/^(fun|obj|src):/.test(f.text)) throw new SuppressionError(file, f.line, `unknown frame line ${JSON.stringify(f.text)}`);
    }
    const frames = frameLines.map((l) => l.text);
    // valgrind refuses the file ("bad or missing extra suppression info"); pmm would match every leak with it.
    if (frames.length === 0) throw new SuppressionError(file, start + 1, `suppression ${JSON.stringify(name.text)} has no fun:, obj: or ... line, which valgrind refuses and which would match every leak`);
    out.push({ format: 'valgrind', name: name.text, ...(memcheckKind === 'Free' ? { kind: 'free' as const } : {}), frames, where: `${file}:${start + 1}` });
  }
  return out;
}

/** The leak kinds valgrind's match-leak-kinds: takes, besides all and none. */
const LEAK_KINDS = new Set(['definite', 'indirect', 'possible', 'reachable']);

/**
 * A match-leak-kinds: line is read but not applied (pmm has no leak kinds), yet one valgrind would refuse
 * (FATAL: bad set of leak kinds) is refused here too: a file shared by both must work with both.
 */
function checkLeakKinds(line: { text: string; line: number }, file: string): void {
  const value = line.text.slice('match-leak-kinds:'.length).trim();
  if (value === 'all' || value === 'none' || value.split(',').every((kind) => LEAK_KINDS.has(kind))) return;
  throw new SuppressionError(file, line.line, `match-leak-kinds: ${JSON.stringify(value)} names no leak kinds valgrind knows (definite, indirect, possible, reachable, separated by commas alone; or all, or none)`);
}

/** What memcheck's is_recognised_suppression knows (valgrind 3.24): any other kind of Memcheck's it refuses. */
const MEMCHECK_KINDS = new Set([
  'Param', 'User', 'CoreMem', 'Cond', 'Jump', 'Free', 'Leak', 'Overlap', 'Mempool', 'FishyValue', 'ReallocZero',
  'BadAlign', 'BadSize', 'SizeMismatch', 'AlignMismatch',
  ...[0, 1, 2, 4, 8, 16, 32].map((n) => `Value${n}`),
  ...[1, 2, 4, 8, 16, 32].map((n) => `Addr${n}`),
]);

/**
 * A suppression's TOOLS:KIND line, checked as valgrind checks it: memcheck's kind when Memcheck is among
 * the tools (`Memcheck,Helgrind:Leak`), null when it is not (another tool's). A kind memcheck does not know
 * (`Memcheck:Lek`), a line without a tool (`Leak`) or a misspelt Memcheck would otherwise suppress nothing
 * without a word.
 */
function memcheckKindOf(kind: { text: string; line: number }, file: string): string | null {
  const m = /^([^:\s]+):(\S+)$/.exec(kind.text);
  if (!m) throw new SuppressionError(file, kind.line, `expected the suppression's TOOL:KIND line (Memcheck:Leak), got ${shownValue(kind.text)}`);
  const tools = m[1].split(',');
  if (tools.includes('Memcheck')) {
    if (!MEMCHECK_KINDS.has(m[2])) throw new SuppressionError(file, kind.line, `unknown Memcheck kind ${JSON.stringify(m[2])} (a leak's is Leak, a mismatched release's Free)`);
    return m[2];
  }
  const misspelt = tools.find((tool) => editDistance(tool.toLowerCase(), 'memcheck') <= 2);
  if (misspelt !== undefined) throw new SuppressionError(file, kind.line, `unknown tool ${JSON.stringify(misspelt)}: Memcheck?`);
  return null;
}

/** Levenshtein distance: how many letters to insert, delete or change to turn a into b. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

export function loadSuppressionFiles(files: readonly string[]): Suppression[] {
  return files.flatMap((file) => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new SuppressionError(file, null, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    return parseSuppressions(text, file);
  });
}

/** A glob as a regular expression: `*` any text, and for valgrind's (not LSan's) `?` any one character. */
function globRegExp(glob: string, anchored: boolean, anyOne = true): RegExp {
  let body = '';
  for (const ch of glob) {
    if (ch === '*') body += '.*';
    else if (ch === '?' && anyOne) body += '.';
    else body += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(anchored ? `^${body}$` : body);
}

function lsanRegExp(pattern: string): RegExp {
  const start = pattern.startsWith('^');
  const end = pattern.endsWith('$') && pattern.length > (start ? 1 : 0);
  const core = pattern.slice(start ? 1 : 0, end ? -1 : undefined);
  // LSan's TemplateMatch knows `*`, `^` and `$` only: a `?` in a C++ name, say, is just that.
  const body = globRegExp(core, false, false).source;
  return new RegExp(`${start ? '^' : ''}${body}${end ? '$' : ''}`);
}

function matchesLsan(s: LsanSuppression, leak: Leak): boolean {
  const re = lsanRegExp(s.pattern);
  return leak.frames.some((f) => [f.function, f.file, f.object].some((text) => text !== null && text !== undefined && re.test(text)));
}

/**
 * The allocation functions valgrind's stack starts with, which pmm's does not record: for each kind, every
 * run of frames (innermost first) a suppression may begin with, as valgrind writes and shows them. valgrind
 * up to 3.21 (3.19 is Debian 12's) shows posix_memalign over its own memalign, and aligned_alloc and valloc
 * as memalign (glibc's aligned_alloc is an alias of it; valloc calls it last); later ones show each
 * function alone; 3.19 aborts the program at pvalloc. (pmm wrote `fun:malloc` for aligned blocks before the hook
 * told them apart; no more read so: it suppressed a posix_memalign leak that valgrind reports.) A block from realloc(NULL, n) is malloc's,
 * as valgrind 3.19 shows it (its realloc hands such a call to its malloc, and the stack starts there); a suppression
 * starting at realloc, as a user may write one for it, matches it too.
 */
export const ALLOCATOR_STACKS: Readonly<Record<AllocationKind, ReadonlyArray<readonly string[]>>> = {
  malloc: [['malloc'], ['realloc']],
  calloc: [['calloc']],
  realloc: [['realloc']],
  new: ['_Znwm', '_ZnwmRKSt9nothrow_t', '_ZnwmSt11align_val_t', '_ZnwmSt11align_val_tRKSt9nothrow_t', 'operator new(unsigned long)'].map((name) => [name]),
  'new[]': ['_Znam', '_ZnamRKSt9nothrow_t', '_ZnamSt11align_val_t', '_ZnamSt11align_val_tRKSt9nothrow_t', 'operator new[](unsigned long)'].map((name) => [name]),
  posix_memalign: [['memalign', 'posix_memalign'], ['posix_memalign']],
  aligned_alloc: [['memalign'], ['memalign', 'aligned_alloc'], ['aligned_alloc']],
  memalign: [['memalign']],
  valloc: [['memalign'], ['memalign', 'valloc'], ['valloc']],
  pvalloc: [['pvalloc']],
};

/**
 * The lines pmm writes for a kind's allocator, which valgrind reads too: a glob over every variant of
 * operator new, and over the names valgrind's versions give aligned_alloc and valloc (3.19's memalign,
 * later their own); posix_memalign as 3.19 shows it.
 */
export const ALLOCATOR_LINES: Readonly<Record<AllocationKind, readonly string[]>> = {
  malloc: ['malloc'],
  calloc: ['calloc'],
  realloc: ['realloc'],
  new: ['_Znw*'],
  'new[]': ['_Zna*'],
  posix_memalign: ['memalign', 'posix_memalign'],
  aligned_alloc: ['*align*'],
  memalign: ['memalign'],
  valloc: ['*al*'],
  pvalloc: ['pvalloc'],
};

/**
 * Functions valgrind's stacks name otherwise than a native run's: under valgrind glibc starts a thread
 * with clone (valgrind does not offer clone3), so every stack of a thread's ends there, not in clone3.
 * The others are aliases, two names of one address, of which valgrind's symbol table takes the other.
 */
const VALGRIND_NAMES: ReadonlyMap<string, string> = new Map([
  ['clone3', 'clone'],
  ['__fork', 'fork'],
  ['__strdup', 'strdup'],
  ['_IO_popen', 'popen@@GLIBC_2.2.5'],
]);

/**
 * A C++ constructor or destructor as valgrind names it: gcc gives the complete and the base object's
 * variants (C1 and C2, D1 and D2) one address where they are alike, which the debug info names by C2 and
 * valgrind's symbol table by C1.
 */
const BASE_OBJECT_VARIANT = /(?<=[0-9A-Za-z_])([CD])2(?=[EI])/g;

/** What valgrind matches a suppression's line against where it knows no function name, or no object. */
const UNKNOWN = '???';

/** What valgrind names the C library's frame that calls main (isBelowMain), in its stacks and its suppressions. */
export const BELOW_MAIN = '(below main)';

/** The name valgrind's stacks give a function, where it is another (a Map: a function may be named `constructor`). */
export function valgrindNameOf(name: string | null | undefined): string | undefined {
  if (name == null) return undefined;
  if (isBelowMain(name)) return BELOW_MAIN;
  const known = VALGRIND_NAMES.get(name);
  if (known !== undefined) return known;
  if (!name.startsWith('_Z')) return undefined;
  const complete = name.replace(BASE_OBJECT_VARIANT, '$11');
  return complete === name ? undefined : complete;
}

function frameMatches(line: string, frame: Frame): boolean {
  const [what, ...globParts] = line.split(':');
  const re = globRegExp(globParts.join(':'), true);
  // valgrind's own suppressions name a function as the linker does (C++ mangled), pmm's readable.
  // Where valgrind knows no name or object it matches the line against "???" (its fun:* and obj:* so match
  // a frame in code it cannot place, as in a module unloaded before exit).
  if (what === 'fun') {
    const names = [frame.function, frame.valgrindName, valgrindNameOf(frame.function), valgrindNameOf(frame.valgrindName)];
    const unnamed = frame.valgrindName === '' || names.every((name) => name == null || name === '');
    return [...names, ...(unnamed ? [UNKNOWN] : [])].some((name) => name != null && name !== '' && re.test(name));
  }
  if (what === 'obj') return re.test(frame.object === null || frame.object === '' ? UNKNOWN : frame.object);
  // src:FILE or, as valgrind 3.21 writes it, src:FILE:LINE.
  const withLine = /^(.*):(\d+)$/.exec(globParts.join(':'));
  if (withLine === null) return frame.file !== null && re.test(frame.file.replace(/^.*\//, ''));
  return frame.file !== null && frame.line === Number(withLine[2]) && globRegExp(withLine[1], true).test(frame.file.replace(/^.*\//, ''));
}

/** Matches lines against frames from the innermost, `...` standing for any number of frames. */
function matchFrom(lines: readonly string[], frames: readonly Frame[], li = 0, fi = 0): boolean {
  if (li === lines.length) return true; // a suppression matches a prefix of the stack
  if (lines[li] === '...') {
    for (let skip = fi; skip <= frames.length; skip++) if (matchFrom(lines, frames, li + 1, skip)) return true;
    return false;
  }
  return fi < frames.length && frameMatches(lines[li], frames[fi]) && matchFrom(lines, frames, li + 1, fi + 1);
}

/** The file valgrind's stacks name for their allocator frames: its preload's, where memcheck replaces malloc. */
const VALGRIND_PRELOAD = '/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so';

const allocatorFrame = (name: string): Frame => ({ address: '0x0', function: name, file: null, line: null, object: VALGRIND_PRELOAD });

/** Every allocator frame valgrind's stacks may start with, whatever the kind. */
const ALLOCATOR_FRAMES: readonly Frame[] = [...new Set(Object.values(ALLOCATOR_STACKS).flat(2))].map(allocatorFrame);

/**
 * valgrind's stacks start in the allocator, and so does a suppression whose first line can name it (fun:malloc,
 * fun:*, obj:*vgpreload*): it is matched from there only. Read from pmm's first frame as well, such a line
 * (fun:*) would take a frame of the program's for the allocator and match what valgrind does not: its next
 * lines one call further out. Only a suppression that cannot start there (fun:load_config, written against
 * pmm's stacks, which have no allocator frame) is matched from the program's first frame.
 */
function matchesValgrind(s: ValgrindSuppression, leak: Leak): boolean {
  const first = s.frames[0];
  const fromAllocator = first !== '...' && ALLOCATOR_FRAMES.some((frame) => frameMatches(first, frame));
  return leak.kinds.some((kind) => {
    const allocators = ALLOCATOR_STACKS[kind].map((names) => names.map(allocatorFrame));
    return allocators.some((allocator) => matchFrom(s.frames, [...allocator, ...leak.frames])) || (!fromAllocator && matchFrom(s.frames, leak.frames));
  });
}

/** The first leak suppression that matches the leak, if any. */
function suppressionOf(leak: Leak, suppressions: readonly Suppression[]): Suppression | undefined {
  return suppressions.find((s) => (s.format === 'lsan' ? matchesLsan(s, leak) : s.kind === undefined && matchesValgrind(s, leak)));
}

export function isSuppressed(leak: Leak, suppressions: readonly Suppression[]): boolean {
  return suppressionOf(leak, suppressions) !== undefined;
}

/** A rule as a suppressed leak names it: `leak:PATTERN` or valgrind's name, and where it is. */
export function describeSuppression(s: Suppression): string {
  return `${s.format === 'lsan' ? `leak:${s.pattern}` : JSON.stringify(s.name)} (${s.where})`;
}

/**
 * The releasing function valgrind's stack of a mismatched release starts with (pmm's starts at its
 * caller): every name a Memcheck:Free suppression may give it, for each kind.
 */
export const RELEASER_NAMES: Readonly<Record<ReleaseKind, readonly string[]>> = {
  free: ['free'],
  realloc: ['realloc'],
  delete: ['_ZdlPv', '_ZdlPvm', '_ZdlPvSt11align_val_t', '_ZdlPvmSt11align_val_t', '_ZdlPvRKSt9nothrow_t', '_ZdlPvSt11align_val_tRKSt9nothrow_t', 'operator delete(void*)', 'operator delete(void*, unsigned long)'],
  'delete[]': ['_ZdaPv', '_ZdaPvm', '_ZdaPvSt11align_val_t', '_ZdaPvmSt11align_val_t', '_ZdaPvRKSt9nothrow_t', '_ZdaPvSt11align_val_tRKSt9nothrow_t', 'operator delete[](void*)', 'operator delete[](void*, unsigned long)'],
};

/** The line pmm writes for a kind's releaser: a glob over its variants, which valgrind reads too. */
export const RELEASER_LINE: Readonly<Record<ReleaseKind, string>> = { free: 'free', realloc: 'realloc', delete: '_ZdlPv*', 'delete[]': '_ZdaPv*' };

/**
 * valgrind's stack of a mismatched release starts in its releasing function, in its preload, and a
 * suppression whose first line can name that (fun:_ZdlPv*, fun:*, obj:*vgpreload*) is matched from there
 * only, as a leak's is from its allocator (matchesValgrind).
 */
function matchesFree(s: ValgrindSuppression, mismatch: Mismatch): boolean {
  const frames = mismatch.release.frames;
  const releasers = RELEASER_NAMES[mismatch.release.kind].map(allocatorFrame);
  const first = s.frames[0];
  const fromReleaser = first !== '...' && Object.values(RELEASER_NAMES).flat().map(allocatorFrame).some((frame) => frameMatches(first, frame));
  return releasers.some((releaser) => matchFrom(s.frames, [releaser, ...frames])) || (!fromReleaser && matchFrom(s.frames, frames));
}

/**
 * Splits a process's mismatched releases into those reported and those a Memcheck:Free suppression matches
 * (pure). all: every mismatched release, more than the groups' counts when pmm.ko kept only its first 256;
 * the suppressed groups' counts come off it.
 */
export function applyMismatchSuppressions(
  mismatches: readonly Mismatch[],
  all: number,
  suppressions: readonly Suppression[],
): { kept: Mismatch[]; mismatchedFrees: number; suppressed: Mismatch[] } {
  const frees = suppressions.filter((s): s is ValgrindSuppression => s.format === 'valgrind' && s.kind === 'free');
  const kept: Mismatch[] = [];
  const suppressed: Mismatch[] = [];
  for (const m of mismatches) (m.release.frames.length > 0 && frees.some((s) => matchesFree(s, m)) ? suppressed : kept).push(m);
  return { kept, mismatchedFrees: all - suppressed.reduce((sum, m) => sum + m.count, 0), suppressed };
}

export interface SuppressedLeaks {
  leaks: Leak[];
  summary: LeakSummary;
}

/** Splits leaks into those reported and those suppressed, each of these with the rule that matched it (pure). */
export function applySuppressions(
  leaks: readonly Leak[],
  suppressions: readonly Suppression[],
): { kept: Leak[]; suppressed: SuppressedLeaks } {
  const kept: Leak[] = [];
  const gone: Leak[] = [];
  for (const leak of leaks) {
    const by = suppressionOf(leak, suppressions);
    if (by === undefined) kept.push(leak);
    else gone.push({ ...leak, suppressedBy: describeSuppression(by) });
  }
  const summary = gone.reduce((s, l) => ({ bytes: s.bytes + l.bytes, blocks: s.blocks + l.blocks }), { bytes: 0, blocks: 0 });
  return { kept, suppressed: { leaks: gone, summary } };
}
