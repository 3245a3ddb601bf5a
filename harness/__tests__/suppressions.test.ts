// Suppression files: both formats parsed, matched against symbolized stacks, suppressed leaks counted apart.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyMismatchSuppressions, applySuppressions, isSuppressed, loadSuppressionFiles, parseSuppressions, SuppressionError, valgrindNameOf } from '../suppressions';
import type { AllocationKind, Frame, Leak, Mismatch } from '../types';

const frame = (fn: string, file: string | null, object: string): Frame => ({ address: '0x1', function: fn, file, line: 1, object });

// A leak of 24 bytes: strdup inside libc, called by load_config in the program, called by main.
const viaStrdup: Leak = {
  bytes: 24,
  blocks: 2,
  kinds: ['malloc'],
  frames: [
    frame('strdup', null, '/usr/lib/x86_64-linux-gnu/libc.so.6'),
    frame('load_config', '/src/app/config.c', '/opt/app/bin/app'),
    frame('main', '/src/app/main.c', '/opt/app/bin/app'),
  ],
};
const direct: Leak = {
  bytes: 100,
  blocks: 1,
  kinds: ['new'],
  frames: [frame('Cache::fill()', '/src/app/cache.cc', '/opt/app/bin/app'), frame('main', '/src/app/main.c', '/opt/app/bin/app')],
};

describe('LSan leak: files', () => {
  it.each([
    ['leak:load_config', true], // function
    ['leak:config.c', true], // file
    ['leak:libc.so', true], // object
    ['leak:^strdup$', true],
    ['leak:^load', true],
    ['leak:^config', false], // anchored, and no name starts so
    ['leak:load*config', true],
    ['leak:load?config', false], // LSan's `?` is itself, not any character
    ['leak:save_config', false],
  ])('%s suppresses the strdup leak: %p', (text, expected) => {
    expect(isSuppressed(viaStrdup, parseSuppressions(`# comment\n\n${text}\n`))).toBe(expected);
  });

  it.each([
    ['leaks:load_config', 'leaks:'],
    ['Leak:load_config', 'Leak:'],
    ['race:load_config', 'race:'], // another sanitizer's type: LSan refuses the file too
  ])('refuses %s, which LeakSanitizer refuses and which would suppress nothing', (line, type) => {
    expect(() => parseSuppressions(`leak:x\n${line}\n`, 'app.supp')).toThrow(
      new SuppressionError('app.supp', 2, `unknown type "${type}": LeakSanitizer's files have leak:PATTERN lines only`),
    );
  });

  it('names the line it cannot read', () => {
    expect(() => parseSuppressions('leak:x\nnot a suppression\n', 'app.supp')).toThrow(new SuppressionError('app.supp', 2, 'expected TYPE:PATTERN, got "not a suppression"'));
  });
});

describe('valgrind suppression files', () => {
  const file = (frames: string, kind = 'Memcheck:Leak'): string => `# made by valgrind --gen-suppressions\n{\n   a_name\n   ${kind}\n   match-leak-kinds: definite\n${frames}\n}\n`;

  it.each([
    ['fun:malloc\n   fun:strdup\n   fun:load_config', true], // as valgrind writes them: from the allocator
    ['fun:malloc\n   ...\n   fun:main', true],
    ['fun:malloc\n   obj:*/libc.so*\n   fun:load_*', true],
    ['fun:strdup\n   fun:load_config', true], // without the allocator frame
    ['fun:malloc\n   fun:load_config', false], // frames must follow on, unless "..." says otherwise
    ['...\n   fun:save_config', false],
    ['fun:calloc\n   fun:strdup', false], // the leak came from malloc
    ['src:config.c', false], // the first frame's file is unknown
    ['...\n   src:config.c', true],
    ['...\n   src:config.c:1', true], // valgrind 3.21's file and line
    ['...\n   src:config.c:2', false],
  ])('%p matches the strdup leak: %p', (frames, expected) => {
    expect(isSuppressed(viaStrdup, parseSuppressions(file(frames)))).toBe(expected);
  });

  // valgrind names the function called at the top of the stack: the first three as valgrind 3.19 writes them
  // (posix_memalign over its memalign; aligned_alloc, an alias of memalign in glibc, and valloc, a tail
  // call, as memalign), the rest as later versions do. The hook records each aligned allocator's kind
  // (realloc(NULL, n) as malloc's, as valgrind shows it).
  it.each([
    ['fun:memalign\n   fun:posix_memalign', ['posix_memalign']],
    ['fun:memalign', ['memalign', 'aligned_alloc', 'valloc']],
    ['fun:posix_memalign', ['posix_memalign']],
    ['fun:aligned_alloc', ['aligned_alloc']],
    ['fun:valloc', ['valloc']],
    ['fun:memalign\n   fun:valloc', ['valloc']],
    ['fun:pvalloc', ['pvalloc']],
    ['fun:realloc', ['malloc', 'realloc']],
    // Not the aligned ones (pmm wrote fun:malloc for them once; valgrind does not take it for them).
    ['fun:malloc', ['malloc']],
  ] as const)('valgrind\'s suppression starting %p matches the leaks of these kinds at its stack: %p', (allocator, kinds) => {
    const at = (kind: AllocationKind): Leak => ({ bytes: 100, blocks: 1, kinds: [kind], frames: [frame('make_buffer', '/src/app/buf.c', '/opt/app/bin/app'), frame('main', '/src/app/main.c', '/opt/app/bin/app')] });
    const suppressions = parseSuppressions(file(`${allocator}\n   fun:make_buffer\n   fun:main`));
    const all: AllocationKind[] = ['malloc', 'calloc', 'realloc', 'new', 'new[]', 'posix_memalign', 'aligned_alloc', 'memalign', 'valloc', 'pvalloc'];
    expect(all.filter((kind) => isSuppressed(at(kind), suppressions))).toEqual(all.filter((kind) => (kinds as readonly string[]).includes(kind)));
  });

  // A line that can name the allocator is matched there only, as valgrind does: fun:* is the allocator,
  // not the program's first frame, which would match its next lines one call further out.
  it.each([
    ['fun:*\n   fun:main', false, true], // valgrind: malloc, then load_config, not main
    ['fun:*\n   fun:load_config', false, false],
    ['fun:*\n   fun:strdup\n   fun:load_config', true, false],
    ['fun:*\n   obj:*/libc.so*', true, false], // strdup's block, not main's own malloc's
    ['obj:*vgpreload_memcheck*\n   fun:strdup', true, false], // valgrind's stacks name its preload there
    ['fun:*alloc\n   fun:main', false, true],
    ['...\n   fun:main', true, true],
    ['fun:load_config', false, false], // against pmm's stack: its first frame is the program's
    ['fun:strdup', true, false],
  ])('%p matches the strdup leak: %p, and a malloc in main: %p', (frames, strdup, inMain) => {
    const mainMalloc: Leak = { bytes: 5, blocks: 1, kinds: ['malloc'], frames: [frame('main', '/src/app/main.c', '/opt/app/bin/app'), frame('__libc_start_call_main', null, '/usr/lib/x86_64-linux-gnu/libc.so.6')] };
    const rules = parseSuppressions(file(frames));
    expect([isSuppressed(viaStrdup, rules), isSuppressed(mainMalloc, rules)]).toEqual([strdup, inMain]);
  });

  // valgrind matches a line against "???" where it knows no function or object (code of a module unloaded
  // before exit): its fun:* and obj:* match such a frame, and only a pattern that matches "???".
  it('matches fun:* and obj:* against a frame of no known function or object, as valgrind does against "???"', () => {
    const unplaced: Leak = {
      bytes: 8, blocks: 1, kinds: ['malloc'],
      frames: [{address: '0x7f3f87c131bd', function: null, file: null, line: null, object: null}, frame('find_module', null, '/usr/lib/x86_64-linux-gnu/libc.so.6'), frame('main', '/src/app/main.c', '/opt/app/bin/app')],
    };
    expect(isSuppressed(unplaced, parseSuppressions(file('fun:malloc\n   obj:*\n   fun:find_module\n   fun:main')))).toBe(true);
    expect(isSuppressed(unplaced, parseSuppressions(file('fun:malloc\n   fun:*\n   fun:find_module\n   fun:main')))).toBe(true);
    expect(isSuppressed(unplaced, parseSuppressions(file('fun:malloc\n   obj:*libc*\n   fun:find_module')))).toBe(false);
    expect(isSuppressed(unplaced, parseSuppressions(file('fun:malloc\n   fun:main')))).toBe(false);
  });

  it('matches C++ allocations from operator new', () => {
    expect(isSuppressed(direct, parseSuppressions(file('fun:operator new*\n   fun:Cache::fill()')))).toBe(true);
  });

  it("a thread's stack ends in clone3 here and in clone under valgrind (glibc's fallback there): valgrind's fun:clone matches it", () => {
    const inThread: Leak = { ...viaStrdup, frames: [viaStrdup.frames[0], frame('start_thread', null, '/lib/libc.so.6'), frame('clone3', null, '/lib/libc.so.6')] };
    expect(isSuppressed(inThread, parseSuppressions(file('fun:malloc\n   fun:strdup\n   fun:start_thread\n   fun:clone')))).toBe(true);
    expect(isSuppressed(inThread, parseSuppressions(file('fun:malloc\n   fun:strdup\n   fun:start_thread\n   fun:clone*')))).toBe(true);
    expect(isSuppressed(inThread, parseSuppressions(file('fun:malloc\n   fun:strdup\n   fun:start_thread\n   fun:clone4')))).toBe(false);
  });

  it('ignores suppressions of other kinds than Memcheck:Leak and Memcheck:Free, and of other tools', () => {
    expect(parseSuppressions(file('fun:malloc', 'Memcheck:Cond'))).toEqual([]);
    expect(parseSuppressions(file('fun:malloc', 'Memcheck:Addr32'))).toEqual([]);
    expect(parseSuppressions(file('fun:malloc', 'Helgrind:Race'))).toEqual([]);
    expect(parseSuppressions(file('fun:malloc', 'drd:ConflictingAccess'))).toEqual([]);
  });

  it('takes a suppression for several tools, Memcheck among them, as valgrind does', () => {
    expect(isSuppressed(viaStrdup, parseSuppressions(file('fun:malloc\n   fun:strdup', 'Memcheck,Helgrind:Leak')))).toBe(true);
    expect(isSuppressed(viaStrdup, parseSuppressions(file('fun:malloc\n   fun:strdup', 'Helgrind,Memcheck:Leak')))).toBe(true);
  });

  // The kind line is line 4 of file(): a typo there would otherwise make a rule that suppresses nothing.
  it.each([
    ['Memcheck:Lek', 'unknown Memcheck kind "Lek" (a leak\'s is Leak, a mismatched release\'s Free)'],
    ['Memcheck,Helgrind:leak', 'unknown Memcheck kind "leak" (a leak\'s is Leak, a mismatched release\'s Free)'],
    ['Leak', 'expected the suppression\'s TOOL:KIND line (Memcheck:Leak), got "Leak"'],
    ['Memcheck Leak', 'expected the suppression\'s TOOL:KIND line (Memcheck:Leak), got "Memcheck Leak"'],
    ['Memchek:Leak', 'unknown tool "Memchek": Memcheck?'],
    ['memcheck:Leak', 'unknown tool "memcheck": Memcheck?'],
  ])('refuses the kind line %p, naming its line', (kind, message) => {
    expect(() => parseSuppressions(file('fun:malloc', kind), 'v.supp')).toThrow(new SuppressionError('v.supp', 4, message));
  });

  it.each([
    ['definite,indirect'],
    ['all'],
    ['none'],
  ])('takes match-leak-kinds: %s, as valgrind does', (kinds) => {
    const text = `{\n   a_name\n   Memcheck:Leak\n   match-leak-kinds: ${kinds}\n   fun:malloc\n}\n`;
    expect(parseSuppressions(text, 'k.supp')).toHaveLength(1);
  });

  it.each([['bogus'], ['possible, reachable']])('refuses match-leak-kinds: %s, which valgrind refuses, naming its line (it was taken, and the rule applied)', (kinds) => {
    const text = `{\n   a_name\n   Memcheck:Leak\n   match-leak-kinds: ${kinds}\n   fun:malloc\n}\n`;
    expect(() => parseSuppressions(text, 'k.supp')).toThrow(new SuppressionError('k.supp', 4, `match-leak-kinds: ${JSON.stringify(kinds)} names no leak kinds valgrind knows (definite, indirect, possible, reachable, separated by commas alone; or all, or none)`));
  });

  it("Memcheck:Free suppresses mismatched releases from the releasing function outwards, and no leak", () => {
    // new[] released by delete in Cache::drop(), called by main; and malloc'ed released by free in main.
    const byDelete: Mismatch = {
      allocation: { kind: 'new[]', size: 40, frames: [frame('Cache::fill()', null, '/app')] },
      release: { kind: 'delete', frames: [frame('Cache::drop()', null, '/app'), frame('main', null, '/app')] },
      count: 3,
    };
    const byFree: Mismatch = { ...byDelete, release: { kind: 'free', frames: [frame('main', null, '/app')] }, count: 1 };
    const suppressions = parseSuppressions(file('fun:_ZdlPv*\n   fun:Cache::drop()', 'Memcheck:Free'));
    // pmm.ko kept the first groups only: 10 in all, of which the suppressed group's 3 come off.
    expect(applyMismatchSuppressions([byDelete, byFree], 10, suppressions)).toEqual({ kept: [byFree], mismatchedFrees: 7, suppressed: [byDelete] });
    expect(applyMismatchSuppressions([byDelete], 3, parseSuppressions(file('fun:Cache::drop()', 'Memcheck:Free'))).suppressed).toEqual([byDelete]);
    expect(applyMismatchSuppressions([byFree], 1, suppressions).kept).toEqual([byFree]);
    // A leak suppression says nothing of releases, nor a release suppression of leaks.
    expect(applyMismatchSuppressions([byDelete], 3, parseSuppressions(file('fun:Cache::drop()'))).kept).toEqual([byDelete]);
    expect(isSuppressed(viaStrdup, parseSuppressions(file('fun:strdup', 'Memcheck:Free')))).toBe(false);
  });

  it("Memcheck:Free: a first line that can name the releasing function (fun:*, obj:*vgpreload_memcheck*) is matched from it, as valgrind does", () => {
    const inHelper: Mismatch = {
      allocation: { kind: 'new[]', size: 16, frames: [frame('f()', null, '/app')] },
      release: { kind: 'delete', frames: [frame('f()', null, '/app'), frame('main', null, '/app')] },
      count: 1,
    };
    const suppressed = (lines: string): boolean => applyMismatchSuppressions([inHelper], 1, parseSuppressions(file(lines, 'Memcheck:Free'))).suppressed.length === 1;
    // valgrind's stack is operator delete, f(), main: fun:* takes the releaser, and f() is not main. pmm
    // also read it from f(), where * took f() and main matched.
    expect(suppressed('fun:*\n   fun:main')).toBe(false);
    expect(suppressed('fun:*\n   fun:f()')).toBe(true);
    // The releaser is in valgrind's preload: an obj: line for it matched no frame of pmm's.
    expect(suppressed('obj:*vgpreload_memcheck*\n   fun:f()')).toBe(true);
    // A line no releaser matches (written against pmm's stacks) is still read from the program's first frame.
    expect(suppressed('fun:f()\n   fun:main')).toBe(true);
  });

  it('a ? in a valgrind name is any one character', () => {
    expect(isSuppressed(viaStrdup, parseSuppressions(file('fun:malloc\n   fun:strdup\n   fun:load?config')))).toBe(true);
  });

  it('refuses a leak suppression without a frame line, which would match every leak', () => {
    expect(() => parseSuppressions(file(''), 'v.supp')).toThrow(
      new SuppressionError('v.supp', 2, 'suppression "a_name" has no fun:, obj: or ... line, which valgrind refuses and which would match every leak'),
    );
    expect(() => parseSuppressions('{\n  bare\n  Memcheck:Leak\n}\n', 'v.supp')).toThrow(
      new SuppressionError('v.supp', 1, 'suppression "bare" has no fun:, obj: or ... line, which valgrind refuses and which would match every leak'),
    );
  });

  it('names the bad line inside a suppression, not its "{"', () => {
    // Line 12: the second suppression's last frame line, after a comment and a blank line inside the block.
    const text = '{\n  one\n  Memcheck:Leak\n  fun:malloc\n}\n{\n  two\n  # why\n\n  Memcheck:Leak\n  fun:f\n  fn:g\n}\n';
    expect(() => parseSuppressions(text, 'v.supp')).toThrow(new SuppressionError('v.supp', 12, 'unknown frame line "fn:g"'));
  });

  it('names an unclosed suppression', () => {
    expect(() => parseSuppressions('{\n  x\n  Memcheck:Leak\n  fun:malloc\n', 'v.supp')).toThrow(new SuppressionError('v.supp', 1, 'suppression not closed with "}"'));
  });
});

it('sets suppressed leaks apart with their own totals, from files of either format', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-supp-'));
  try {
    fs.writeFileSync(path.join(dir, 'lsan.supp'), 'leak:load_config\n');
    fs.writeFileSync(path.join(dir, 'vg.supp'), '{\n  cache\n  Memcheck:Leak\n  fun:operator new*\n  fun:Cache::*\n}\n');
    const lsanOnly = applySuppressions([viaStrdup, direct], loadSuppressionFiles([path.join(dir, 'lsan.supp')]));
    expect(lsanOnly.kept).toEqual([direct]);
    expect(lsanOnly.suppressed).toEqual({ leaks: [{ ...viaStrdup, suppressedBy: `leak:load_config (${path.join(dir, 'lsan.supp')}:1)` }], summary: { bytes: 24, blocks: 2 } });
    const both = applySuppressions([viaStrdup, direct], loadSuppressionFiles([path.join(dir, 'lsan.supp'), path.join(dir, 'vg.supp')]));
    expect(both.kept).toEqual([]);
    expect(both.suppressed.summary).toEqual({ bytes: 124, blocks: 3 });
    expect(both.suppressed.leaks.map((leak) => leak.suppressedBy)).toEqual([`leak:load_config (${path.join(dir, 'lsan.supp')}:1)`, `"cache" (${path.join(dir, 'vg.supp')}:1)`]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('valgrindNameOf: the name valgrind gives where pmm has another', () => {
  test.each([
    ['_ZN4CtorC2Ev', '_ZN4CtorC1Ev'],
    ['_ZN4CtorD2Ev', '_ZN4CtorD1Ev'],
    ['_ZN2C1C2Ev', '_ZN2C1C1Ev'],
    ['_ZNSt12__shared_ptrIiLN9__gnu_cxx12_Lock_policyE2EEC2ISaIiEJEEESt20_Sp_alloc_shared_tagIT_EDpOT0_', '_ZNSt12__shared_ptrIiLN9__gnu_cxx12_Lock_policyE2EEC1ISaIiEJEEESt20_Sp_alloc_shared_tagIT_EDpOT0_'],
    ['__fork', 'fork'],
    ['clone3', 'clone'],
    ['__libc_start_call_main', '(below main)'],
  ])('%s is %s', (name, valgrinds) => expect(valgrindNameOf(name)).toBe(valgrinds));

  test.each(['_ZN4CtorC1Ev', '_Z6fooC2v', 'fooC2E', 'main', '_ZN4shop6Basket4fillEi'])('%s is its own', (name) => {
    expect(valgrindNameOf(name)).toBeUndefined();
  });
});
