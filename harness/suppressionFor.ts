// A leak or a mismatched release as a suppression in valgrind's format, which pmm and valgrind both read:
// what `pmm run --gen-suppressions` prints, as valgrind's --gen-suppressions=all does, so that a project
// can start its suppression file from what it knows about. Read back (PMM_SUPPRESSIONS, --suppressions),
// each suppresses the leak or release it was made from.
import { framesDownToMain } from './leakReport';
import { ALLOCATOR_LINES, RELEASER_LINE, valgrindNameOf } from './suppressions';
import type { Frame, Leak, Mismatch } from './types';

/** valgrind's default --num-callers: its stacks, and so its own suppressions, have at most 12 lines. */
const MAX_LINES = 12;

/** A frame's line: its function as valgrind names it, else its object; an unknown frame is skipped with `...`. */
function frameLine(frame: Frame): string {
  // '': valgrind's symbol table has no name there, and its own suppression names the object.
  const name = frame.valgrindName === '' ? null : frame.valgrindName ?? frame.function;
  // Where valgrind's stacks name the function otherwise, a glob over both names where they start alike
  // (clone3 and clone), else valgrind's name ("(below main)"), which pmm's matching knows too.
  const valgrinds = valgrindNameOf(name);
  if (name !== null && valgrinds !== undefined) {
    const common = commonStart(name, valgrinds);
    return common === '' ? `fun:${valgrinds}` : `fun:${common}*`;
  }
  if (name !== null) return `fun:${name}`;
  if (frame.object !== null && frame.object !== undefined && frame.object !== '') return `obj:${frame.object}`;
  return '...';
}

/** A suppression in valgrind's format: first its function's lines (the allocator's, the releaser's), then the stack's. */
function suppression(name: string, kind: string, first: readonly string[], stackFrames: readonly Frame[]): string {
  // Down to main, as valgrind's stacks go: what is below it (the C library's start) is the same for all.
  const lines = [...first.map((fn) => `fun:${fn}`), ...framesDownToMain(stackFrames).map(frameLine)];
  // Runs of `...` say no more than one; a suppression matches the start of a stack, so a cut one still does.
  const frames = lines.filter((line, i) => line !== '...' || lines[i - 1] !== '...').slice(0, MAX_LINES);
  return ['{', `   <${name}>`, `   ${kind}`, ...frames.map((line) => `   ${line}`), '}'].join('\n');
}

function commonStart(a: string, b: string): string {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return a.slice(0, n);
}

const whereIs = (frames: readonly Frame[]): string => frames[0]?.function ?? frames[0]?.object ?? 'an unknown function';

export function suppressionFor(leak: Leak): string {
  // A group whose blocks came from one kind starts in its allocator, as valgrind's own would; else the
  // suppression starts at the caller, which matches whatever the allocator (suppressions.ts).
  const allocator = leak.kinds.length === 1 ? ALLOCATOR_LINES[leak.kinds[0]] : [];
  const name = `pmm: ${leak.bytes} bytes in ${leak.blocks} ${leak.blocks === 1 ? 'block' : 'blocks'} leaked at ${whereIs(leak.frames)}`;
  return suppression(name, 'Memcheck:Leak', allocator, leak.frames);
}

/** A mismatched release as valgrind's Memcheck:Free suppression, from the releasing call's stack. */
export function suppressionForMismatch(m: Mismatch): string {
  const name = `pmm: ${m.allocation.kind} block released by ${m.release.kind} at ${whereIs(m.release.frames)}`;
  return suppression(name, 'Memcheck:Free', [RELEASER_LINE[m.release.kind]], m.release.frames);
}

/**
 * The suppressions of many leaks (a run's, its children's), each stack once, and a line saying so for the
 * leaks without a stack (--num-callers 0), which get none: it would match every leak, and valgrind
 * refuses a suppression without frames.
 */
export function suppressionsFor(leaks: readonly Leak[], mismatches: readonly Mismatch[] = []): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const unstacked = leaks.filter((leak) => leak.frames.length === 0);
  if (unstacked.length > 0) {
    const n = unstacked.length;
    out.push(`pmm: no suppression for ${n} ${n === 1 ? 'leak' : 'leaks'} without a stack (--num-callers 0, or PMM_STACK_DEPTH=0): one would match every leak`);
  }
  const texts = [
    ...leaks.filter((leak) => leak.frames.length > 0).map(suppressionFor),
    ...mismatches.filter((m) => m.release.frames.length > 0).map(suppressionForMismatch),
  ];
  for (const text of texts) {
    const stack = text.slice(text.indexOf('Memcheck:'));
    if (seen.has(stack)) continue;
    seen.add(stack);
    out.push(text);
  }
  return out;
}
