// Pure functions that turn symbolized records into leak groups and into the texts people read: the seed
// article's log lines, a failing test's message, and the failure detail carried to reporters.

import {path} from './coreModules';
import type {Frame, Leak, LeakFailureDetail, LeakSummary, RawRecord, RunResult} from './types';

const {basename} = path;

/**
 * Groups records whose stacks hold the same return addresses, largest first. framesPerRecord[i] holds the
 * symbolized frames of records[i]; a record without them keeps its raw addresses as unknown frames.
 */
export function groupLeaks(records: readonly RawRecord[], framesPerRecord: ReadonlyArray<readonly Frame[]>): Leak[] {
  const groups = new Map<string, Leak>();
  // The symbolizer gives records with the same addresses one array of frames: for a run that leaked a
  // million blocks from a few places, a group's key (a long string) is then made a few times, not a million.
  const bySymbolized = new Map<readonly Frame[], {addresses: readonly string[]; group: Leak}>();
  records.forEach((record, index) => {
    const symbolized = framesPerRecord[index] as readonly Frame[] | undefined;
    const known = symbolized === undefined ? undefined : bySymbolized.get(symbolized);
    let group = known !== undefined && sameAddresses(known.addresses, record.frames) ? known.group : undefined;
    if (group === undefined) {
      // The same addresses in another object (a library mapped where a closed one was) are another stack.
      const key = `${record.frames.join(' ')}|${(symbolized ?? []).map((frame) => frame.object ?? '').join(' ')}`;
      group = groups.get(key);
      if (group === undefined) {
        const frames = symbolized ?? record.frames.map(unknownFrame);
        groups.set(key, (group = {bytes: 0, blocks: 0, kinds: [], frames: [...frames]}));
      }
      if (symbolized !== undefined && known === undefined) bySymbolized.set(symbolized, {addresses: record.frames, group});
    }
    group.bytes += record.size;
    group.blocks += 1;
    if (!group.kinds.includes(record.kind)) group.kinds.push(record.kind);
  });
  // Ties keep the order of first appearance (Array.prototype.sort is stable), so output is reproducible.
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes || b.blocks - a.blocks);
}

function sameAddresses(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((address, i) => address === b[i]));
}

export function summarize(leaks: readonly LeakSummary[]): LeakSummary {
  return leaks.reduce((sum, leak) => ({bytes: sum.bytes + leak.bytes, blocks: sum.blocks + leak.blocks}), {
    bytes: 0,
    blocks: 0,
  });
}

/** "100 bytes in 2 blocks", "1 byte in 1 block". */
export function formatAmount({bytes, blocks}: LeakSummary): string {
  return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'} in ${blocks} ${blocks === 1 ? 'block' : 'blocks'}`;
}

/**
 * One stack line, "by fn (path/file.c:42)". Without a source file: "by fn (object+0xoff)", and without a
 * function name the address stands in its place, so a frame never prints as a bare "??". Not "at", as a
 * JavaScript stack's lines begin: Jest takes the first line of a failure that looks like one (a C++ frame,
 * "at ns::fn (...)", does through its "::") for the start of the stack, re-indents what follows and drops it
 * under --noStackTrace.
 */
export function formatFrame(frame: Frame): string {
  return `by ${frame.function ?? frame.address} (${frameLocation(frame)})`;
}

/**
 * The C library's functions that call main, as valgrind knows them (glibc's, and their clones gcc names
 * `__libc_start_main.isra.0` and the like). In a program without symbols main has no name, and valgrind
 * ends the stack at the first of these instead, which it names "(below main)".
 */
export function isBelowMain(name: string | null | undefined): boolean {
  if (name == null) return false;
  return ['__libc_start_main', '__libc_start_call_main', 'generic_start_main'].some((below) => name === below || name.startsWith(`${below}.`));
}

/**
 * The frames a report shows: down to main, as valgrind shows them (its --show-below-main=no), or where main
 * has no name (a stripped program) down to the C library's frame that called it (isBelowMain); the
 * start-up under it (__libc_start_main, _start) is the same for every stack of the main thread, lines of
 * noise each. A stack without either (a thread's) is whole. The JSON report keeps every frame.
 */
export function framesDownToMain(frames: readonly Frame[]): readonly Frame[] {
  const end = frames.findIndex((frame) => frame.function === 'main' || isBelowMain(frame.function));
  return end < 0 ? frames : frames.slice(0, end + 1);
}

/** A stack as a failure message shows it (down to main), a frame a line; what to say when there is none. */
export function formatStackLines(frames: readonly Frame[], none = '(no stack recorded)'): string[] {
  return frames.length === 0 ? [`    ${none}`] : framesDownToMain(frames).map((frame) => `    ${formatFrame(frame)}`);
}

function frameLocation(frame: Frame): string {
  if (frame.file !== null) return frame.line === null ? frame.file : `${frame.file}:${frame.line}`;
  if (frame.object !== null) return frame.offset != null ? `${frame.object}+${frame.offset}` : frame.object;
  return '??';
}

/**
 * The seed article's log line for one unmatched allocation, then its stack:
 * `{MALLOC @06:57:11} Sz: 100B Pointer: 0x… Caller: 0x… main() 207 leaky.c`. The caller is the innermost
 * frame, the code that called the allocator; unknown parts print as "??".
 */
export function formatSeedLog(record: RawRecord, frames: readonly Frame[]): string {
  const caller = frames[0];
  const pointers = record.kind === 'realloc' ? `Prev Pointer: ${record.prevPtr} Pointer: ${record.ptr}` : `Pointer: ${record.ptr}`;
  const where =
    caller === undefined
      ? '?? ?? ?? ??'
      : [
          caller.address,
          caller.function === null ? '??' : callerName(caller.function),
          caller.line ?? '??',
          caller.file === null ? '??' : basename(caller.file),
        ].join(' ');
  const head = `{${record.kind.toUpperCase()} @${timeOfDay(record.timeNs)}} Sz: ${record.size}B ${pointers} Caller: ${where}`;
  return [head, ...framesDownToMain(frames).map(frame => `    ${formatFrame(frame)}`)].join('\n');
}

/**
 * The caller's name as the article writes it, `main()`. A demangled C++ name already has its parameter list,
 * `counter(int)` or `Tree::size() const`: another "()" would read as a call of what it returned. A C name
 * never holds "(", and the one "(" a C++ name can hold outside its parameters is "(anonymous namespace)"'s.
 */
function callerName(name: string): string {
  return name.replaceAll('(anonymous namespace)', '').includes('(') ? name : `${name}()`;
}

/** HH:MM:SS in UTC from decimal nanoseconds since the epoch. */
function timeOfDay(timeNs: string): string {
  if (!/^\d+$/.test(timeNs)) return '??:??:??';
  const secondsOfDay = Number((BigInt(timeNs) / 1_000_000_000n) % 86_400n);
  const parts = [Math.floor(secondsOfDay / 3600), Math.floor(secondsOfDay / 60) % 60, secondsOfDay % 60];
  return parts.map(part => String(part).padStart(2, '0')).join(':');
}

/** The first line of a leak failure: "300 bytes in 2 blocks leaked by ./prog". */
export function formatLeakHeadline(summary: LeakSummary, program: string): string {
  return `${formatAmount(summary)} leaked by ${program}`;
}

/**
 * The most leak groups a message lists, largest first. A program that leaks from thousands of places (a
 * shell, an interpreter that never frees) would otherwise print a stack for each into the test's output.
 */
export const LEAK_GROUPS_LISTED = 50;

/**
 * The text a failing test shows: the headline, then each group with its kinds and its stack, up to
 * LEAK_GROUPS_LISTED of them and what the rest add up to.
 */
export function formatLeakMessage(leaks: readonly Leak[], summary: LeakSummary, program: string): string {
  const lines = [formatLeakHeadline(summary, program)];
  for (const leak of leaks.slice(0, LEAK_GROUPS_LISTED)) {
    lines.push(`  ${formatAmount(leak)} (${leak.kinds.join(', ')})`, ...formatStackLines(leak.frames));
  }
  const rest = leaks.slice(LEAK_GROUPS_LISTED);
  if (rest.length > 0) {
    lines.push(`  and ${rest.length} more ${rest.length === 1 ? 'stack' : 'stacks'} with ${formatAmount(summarize(rest))} (the run's leaks list has them all)`);
  }
  return lines.join('\n');
}

/** The plain object a leaking test carries on failureDetails for reporters (see LeakFailureDetail). */
export function leakFailureDetail(run: Pick<RunResult, 'program' | 'leaks' | 'summary'>): LeakFailureDetail {
  const {program, leaks, summary} = run;
  return {
    name: 'MemoryLeak',
    message: formatLeakHeadline(summary, program),
    stack: formatLeakMessage(leaks, summary, program),
    pmmLeak: {program, summary: {...summary}, leaks: leaks.map(copyLeak)},
  };
}

function copyLeak(leak: Leak): Leak {
  return {bytes: leak.bytes, blocks: leak.blocks, kinds: [...leak.kinds], frames: leak.frames.map(frame => ({...frame}))};
}

function unknownFrame(address: string): Frame {
  return {address, function: null, file: null, line: null, object: null};
}
