// Host mode (`pmm run --host`): runs a program on this machine under libpmm.so, without a VM, and gives
// the same raw run as the VM path: the hook writes its records to a file (PMM_RECORD_FD) and its object
// map to another (PMM_MAPS_FILE); the replay leaves the unmatched allocations and finds the mismatched
// releases, as pmm.ko would.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RawRun } from '../../harness/runProgram';
import type { RawMismatch, RawRecord } from '../../harness/types';
import { decodeRecords, replayRecords, type Mismatch, type PmmRecord } from './recordStream';

export interface HostRunOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number; // SIGKILL after this; 0 or absent: none
  hook?: string; // libpmm.so; default: the one built beside this folder
}

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

export async function runHostRaw(program: string, args: string[], options: HostRunOptions = {}): Promise<RawRun> {
  const hook = options.hook ?? path.resolve(__dirname, '..', '..', '..', 'hooklib', 'libpmm.so');
  const hookPath = fs.existsSync(hook) ? hook : path.resolve(__dirname, '..', 'libpmm.so');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-host-'));
  const recordsPath = path.join(dir, 'records');
  const mapsPath = path.join(dir, 'maps');
  // O_APPEND: every record is one write(2), appended whole, whichever thread writes it.
  const recordFd = fs.openSync(recordsPath, 'a');
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, ...(options.env ?? {}) };
    delete env.NODE_OPTIONS;
    env.LD_PRELOAD = env.LD_PRELOAD ? `${hookPath}:${env.LD_PRELOAD}` : hookPath;
    env.PMM_RECORD_FD = '3';
    env.PMM_MAPS_FILE = mapsPath;
    const child = spawn(program, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe', recordFd] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    let timedOut = false;
    const timer = options.timeoutMs ? setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs) : null;
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, sig) => resolve([code, sig]));
    });
    if (timer) clearTimeout(timer);
    const { unmatched, mismatches } = replayRecords(decodeRecords(fs.readFileSync(recordsPath)));
    return {
      result: {
        program,
        args,
        exitCode,
        signal,
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      },
      records: unmatched.map(toRawRecord),
      mismatches: mismatches.map(toRawMismatch),
      mismatchedFrees: mismatches.length,
      maps: fs.existsSync(mapsPath) ? fs.readFileSync(mapsPath, 'utf8') : '',
    };
  } finally {
    fs.closeSync(recordFd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
