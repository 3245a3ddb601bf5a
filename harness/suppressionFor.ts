// A leak as a suppression in valgrind's format, which pmm and valgrind both read: what
// `pmm run --gen-suppressions` prints, as valgrind's --gen-suppressions=all does, so that a project can
// start its suppression file from the leaks it knows about. Read back (PMM_SUPPRESSIONS, --suppressions),
// each suppresses the leak it was made from.
import { ALLOCATOR_LINE } from './suppressions';
import type { Frame, Leak } from './types';

/** valgrind's default --num-callers: its stacks, and so its own suppressions, have at most 12 lines. */
const MAX_LINES = 12;

/** A frame's line: its function as valgrind names it, else its object; an unknown frame is skipped with `...`. */
function frameLine(frame: Frame): string {
  const name = frame.valgrindName ?? frame.function;
  if (name !== null) return `fun:${name}`;
  if (frame.object !== null && frame.object !== undefined && frame.object !== '') return `obj:${frame.object}`;
  return '...';
}

export function suppressionFor(leak: Leak): string {
  // A group whose blocks came from one kind starts in its allocator, as valgrind's own would; else the
  // suppression starts at the caller, which matches whatever the allocator (suppressions.ts).
  const allocator = leak.kinds.length === 1 ? ALLOCATOR_LINE[leak.kinds[0]] : undefined;
  const where = leak.frames[0]?.function ?? leak.frames[0]?.object ?? 'an unknown function';
  // Down to main, as valgrind's stacks go: what is below it (the C library's start) is the same for all.
  const main = leak.frames.findIndex((frame) => frame.function === 'main');
  const stack = main >= 0 ? leak.frames.slice(0, main + 1) : leak.frames;
  const lines = [...(allocator ? [`fun:${allocator}`] : []), ...stack.map(frameLine)];
  // Runs of `...` say no more than one; a suppression matches the start of a stack, so a cut one still does.
  const frames = lines.filter((line, i) => line !== '...' || lines[i - 1] !== '...').slice(0, MAX_LINES);
  return [
    '{',
    `   <pmm: ${leak.bytes} bytes in ${leak.blocks} ${leak.blocks === 1 ? 'block' : 'blocks'} leaked at ${where}>`,
    '   Memcheck:Leak',
    ...frames.map((line) => `   ${line}`),
    '}',
  ].join('\n');
}

/**
 * The suppressions of many leaks (a run's, its children's), each stack once, and a line saying so for the
 * leaks without a stack (--num-callers 0), which get none: it would match every leak, and valgrind
 * refuses a suppression without frames.
 */
export function suppressionsFor(leaks: readonly Leak[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const unstacked = leaks.filter((leak) => leak.frames.length === 0);
  if (unstacked.length > 0) {
    const n = unstacked.length;
    out.push(`pmm: no suppression for ${n} ${n === 1 ? 'leak' : 'leaks'} without a stack (--num-callers 0, or PMM_STACK_DEPTH=0): one would match every leak`);
  }
  for (const leak of leaks) {
    if (leak.frames.length === 0) continue;
    const text = suppressionFor(leak);
    const stack = text.slice(text.indexOf('Memcheck:Leak'));
    if (seen.has(stack)) continue;
    seen.add(stack);
    out.push(text);
  }
  return out;
}
