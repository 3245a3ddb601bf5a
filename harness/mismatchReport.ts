// Pure functions for mismatched releases (valgrind's "Mismatched free() / delete / delete []"): grouping the
// symbolized ones, and the texts people read: a failing test's message, the CLI's valgrind-style report, and
// the failure detail carried to reporters.

import {formatFrame, formatStackLines, framesDownToMain} from './leakReport';
import type {Frame, Mismatch, MismatchFailureDetail, RawMismatch, RunResult} from './types';

/** One raw mismatch's symbolized stacks, frame for frame. */
export interface MismatchFrames {
  allocation: Frame[];
  release: Frame[];
}

/** What makes two raw mismatches one: the same kinds, size and return addresses. */
export function rawMismatchKey(m: RawMismatch): string {
  return JSON.stringify([m.allocation.kind, m.size, m.allocation.frames, m.release.kind, m.release.frames]);
}

/**
 * The same key for a grouped mismatch, from its frames' recorded addresses: an inlined function's frame shares
 * the address of the next one and was not recorded.
 */
export function mismatchKey(m: Mismatch): string {
  const addresses = (frames: readonly Frame[]): string[] => frames.filter(frame => !frame.inlined).map(frame => frame.address);
  return JSON.stringify([m.allocation.kind, m.allocation.size, addresses(m.allocation.frames), m.release.kind, addresses(m.release.frames)]);
}

/**
 * Groups mismatches with the same kinds, size and return addresses, in the order first seen. framesPer[i]
 * holds the symbolized stacks of raw[i]; without them the raw addresses stand in as unknown frames.
 */
export function groupMismatches(raw: readonly RawMismatch[], framesPer: ReadonlyArray<MismatchFrames | undefined>): Mismatch[] {
  const groups = new Map<string, Mismatch>();
  raw.forEach((m, index) => {
    const key = rawMismatchKey(m);
    const group = groups.get(key);
    if (group !== undefined) {
      group.count += 1;
      return;
    }
    const frames = framesPer[index];
    groups.set(key, {
      allocation: {kind: m.allocation.kind, size: m.size, frames: [...(frames?.allocation ?? m.allocation.frames.map(unknownFrame))]},
      release: {kind: m.release.kind, frames: [...(frames?.release ?? m.release.frames.map(unknownFrame))]},
      count: 1,
    });
  });
  return [...groups.values()];
}

/** How many blocks the groups stand for. */
export function countMismatches(mismatches: readonly Mismatch[]): number {
  return mismatches.reduce((sum, m) => sum + m.count, 0);
}

/** "new[] block of 40 bytes released with delete" */
export function describeMismatch(m: {allocation: Pick<Mismatch['allocation'], 'kind' | 'size'>; release: Pick<Mismatch['release'], 'kind'>}): string {
  const {kind, size} = m.allocation;
  return `${kind} block of ${size} ${size === 1 ? 'byte' : 'bytes'} released with ${m.release.kind}`;
}

/** The first line of a mismatch failure: "2 blocks released by a mismatched free/delete in ./prog". */
export function formatMismatchHeadline(mismatchedFrees: number, program: string): string {
  return `${mismatchedFrees} ${mismatchedFrees === 1 ? 'block' : 'blocks'} released by a mismatched free/delete in ${program}`;
}

/**
 * The text a failing test shows: the headline, then each mismatch, what it was, the release's stack and the
 * allocation's. A release the hook took no stack for says so.
 */
export function formatMismatchMessage(mismatches: readonly Mismatch[], mismatchedFrees: number, program: string): string {
  const lines = [formatMismatchHeadline(mismatchedFrees, program)];
  for (const m of mismatches) {
    const times = m.count > 1 ? ` (${m.count} times)` : '';
    lines.push(`  ${describeMismatch(m)}${times}`);
    lines.push(...formatStackLines(m.release.frames, `(no stack recorded for the ${m.release.kind})`));
    lines.push(`  allocated with ${m.allocation.kind}`, ...formatStackLines(m.allocation.frames));
  }
  const unkept = mismatchedFrees - countMismatches(mismatches);
  if (unkept > 0) lines.push(`  and ${unkept} more, not kept: pmm.ko keeps the first 256 of a process`);
  return lines.join('\n');
}

/** The plain object a test with mismatches carries on failureDetails for reporters. */
export function mismatchFailureDetail(run: Pick<RunResult, 'program' | 'mismatches' | 'mismatchedFrees'>): MismatchFailureDetail {
  const {program, mismatches, mismatchedFrees} = run;
  return {
    name: 'MismatchedFree',
    message: formatMismatchHeadline(mismatchedFrees, program),
    stack: formatMismatchMessage(mismatches, mismatchedFrees, program),
    pmmMismatch: {program, mismatchedFrees, mismatches: mismatches.map(copyMismatch)},
  };
}

/**
 * valgrind's report of one group of mismatches, for `pmm run`: what they were and, when more than one, how
 * many; the release's stack, then the block at its first address and the allocation's stack, "at" for the
 * innermost frame and "by" for its callers, each with its address. Like valgrind, which reports an error
 * once per context, a release made in a loop is one entry, not one per block.
 */
export function formatValgrindMismatch(m: Mismatch, firstAddress: string): string {
  const times = m.count > 1 ? ` (${m.count} times)` : '';
  const lines = [`Mismatched free() / delete / delete []: ${describeMismatch(m)}${times}`];
  if (m.release.frames.length === 0) lines.push(`   (no stack recorded for the ${m.release.kind})`);
  lines.push(...valgrindStack(m.release.frames));
  lines.push(` Address ${firstAddress} is 0 bytes inside a block of size ${m.allocation.size} alloc'd by ${m.allocation.kind}`);
  lines.push(...valgrindStack(m.allocation.frames));
  return lines.join('\n');
}

function valgrindStack(frames: readonly Frame[]): string[] {
  return framesDownToMain(frames).map((frame, i) => `   ${i === 0 ? 'at' : 'by'} ${frame.address}: ${formatFrame(frame).slice('by '.length)}`);
}

function copyMismatch(m: Mismatch): Mismatch {
  return {
    allocation: {...m.allocation, frames: m.allocation.frames.map(frame => ({...frame}))},
    release: {...m.release, frames: m.release.frames.map(frame => ({...frame}))},
    count: m.count,
  };
}

function unknownFrame(address: string): Frame {
  return {address, function: null, file: null, line: null, object: null};
}
