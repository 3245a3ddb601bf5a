// Host mode's record directory (PMM_RECORD_DIR, hooklib/pmm_transport.c): per process the hook ran in,
// `<pid>.records` (what its ring's drains wrote), `<pid>.ring` (what they committed, and what was still
// in the ring), `<pid>.late` (the rare record that found no place in the ring) and `<pid>.maps`,
// replayed per process as pmm.ko keeps one monitor per pid.
import * as fs from 'fs';
import * as path from 'path';
import type { RawProcess } from '../../harness/runProgram';
import type { RawMismatch, RawRecord } from '../../harness/types';
import { decodeRecords, replayRecords, type Mismatch, type PmmRecord } from './recordStream';
import { readRingFile } from './ringFile';

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** A replayed record in pmd's JSON shape (pmd/PROTOCOL.md), so the rest of the path is the same. */
export function toRawRecord(r: PmmRecord): RawRecord {
  if (r.kind !== 'malloc' && r.kind !== 'calloc' && r.kind !== 'realloc' && r.kind !== 'new' && r.kind !== 'new[]') {
    throw new Error(`record ${r.index}: a ${r.kind} is not an allocation`);
  }
  return { kind: r.kind, ptr: hex(r.ptr), prevPtr: hex(r.prevPtr), size: Number(r.size), timeNs: r.timeNs.toString(), frames: r.frames.map(hex) };
}

/** A replayed mismatch in pmd's JSON shape; the host keeps every one, where pmm.ko keeps the first 256. */
export function toRawMismatch({ allocation, release }: Mismatch): RawMismatch {
  const alloc = toRawRecord(allocation);
  if (release.kind !== 'free' && release.kind !== 'delete' && release.kind !== 'delete[]' && release.kind !== 'realloc') {
    throw new Error(`record ${release.index}: a ${release.kind} releases nothing`);
  }
  return {
    ptr: alloc.ptr,
    size: alloc.size,
    allocation: { kind: alloc.kind, frames: alloc.frames },
    release: { kind: release.kind, frames: release.frames.map(hex) },
  };
}

/**
 * What pmd sends for a monitor, with what the hook marked of how processes end (pmm.ko learns it from
 * each exit): the status this one gave exit() or _exit(), and the wait statuses of the children it reaped.
 */
export interface HostProcess extends RawProcess {
  exitCode: number | null;
  reaped: Array<{ pid: number; status: number }>;
}

/** One process's record stream and object map text, replayed into what pmd sends for a monitor. */
export function replayProcess(records: Uint8Array, maps: string): HostProcess {
  const { unmatched, mismatches, unhooked, exitCode, reaped } = replayRecords(decodeRecords(records));
  return { records: unmatched.map(toRawRecord), mismatches: mismatches.map(toRawMismatch), mismatchedFrees: mismatches.length, maps, unhooked, exitCode, reaped };
}

const readIfThere = (file: string): Buffer | null => {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
};

/**
 * One process's records, whole and in order: its records file up to what the ring's drains committed
 * (all of it when there is no ring), then what was left in the ring, then its late records.
 */
export function readProcessRecords(dir: string, pid: number): Buffer {
  const written = readIfThere(path.join(dir, `${pid}.records`)) ?? Buffer.alloc(0);
  const ring = readIfThere(path.join(dir, `${pid}.ring`));
  const late = readIfThere(path.join(dir, `${pid}.late`)) ?? Buffer.alloc(0);
  if (!ring) return Buffer.concat([written, late]);
  const { committed, records } = readRingFile(ring);
  if (written.length < committed) throw new Error(`records file of ${written.length} bytes, ${committed} committed`);
  return Buffer.concat([written.subarray(0, committed), records, late]);
}

/** The pids that wrote into dir, in pid order. */
export function recordDirPids(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .map((name) => /^(\d+)\.records$/.exec(name)?.[1])
    .filter((pid): pid is string => pid !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Each process of the directory, replayed; a process that wrote no object map gets an empty one. */
export function readRecordDir(dir: string): Map<number, HostProcess> {
  const processes = new Map<number, HostProcess>();
  for (const pid of recordDirPids(dir)) {
    const mapsPath = path.join(dir, `${pid}.maps`);
    const maps = fs.existsSync(mapsPath) ? fs.readFileSync(mapsPath, 'utf8') : '';
    try {
      processes.set(pid, replayProcess(readProcessRecords(dir, pid), maps));
    } catch (err) {
      throw new Error(`host mode, process ${pid}: ${(err as Error).message}`);
    }
  }
  return processes;
}
