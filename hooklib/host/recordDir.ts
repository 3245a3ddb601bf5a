// Host mode's record directory (PMM_RECORD_DIR, hooklib/pmm_transport.c): per process the hook ran in,
// `<name>.records` (what its ring's drains wrote), `<name>.ring` (what they committed, and what was still
// in the ring), `<name>.late` (the rare record that found no place in the ring), `<name>.maps`, and
// `<name>.failed` when the hook could not write a record out, `<name>.spawned` naming the images its
// vfork and spawned children ran and the children it forked, `<name>.maps.<n>` the object maps of images it left by exec(),
// replayed per process as pmm.ko keeps one monitor per process. The name is the pid, or `<pid>-<n>` for
// the n-th later process of the run given the same pid (hooklib/pmm_host_name.c).
import * as fs from 'fs';
import * as path from 'path';
import type { RawProcess } from '../../harness/runProgram';
import type { AllocationKind, RawMismatch, RawRecord } from '../../harness/types';
import { execImage } from '../../symbolizer/objectMap';
import { eachRecord, HOST_MAX_TOTAL_RECORDS, MAX_LIVE_RECORDS, PMM_RECORD_SIZE, PREV_SHOWN_ONLY, replayRecords, type Mismatch, type PmmRecord, type Reaped } from './recordStream';
import { markReplaced } from './replacedFiles';
import { readRingFile, ringNeverSetUp } from './ringFile';

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** The records of one stack share their frames (eachRecord): written out once, they share the text too. */
const stackTexts = new WeakMap<readonly bigint[], string[]>();

function hexFrames(frames: readonly bigint[]): string[] {
  let text = stackTexts.get(frames);
  if (text === undefined) stackTexts.set(frames, (text = frames.map(hex)));
  return text;
}

/**
 * The record kinds that make a block, as the uapi header's pmm_kind_makes_block has them: a key for each of
 * AllocationKind, which the compiler holds this to when a kind is added.
 */
const ALLOCATIONS: Readonly<Record<AllocationKind, true>> = {
  malloc: true, calloc: true, realloc: true, new: true, 'new[]': true,
  posix_memalign: true, aligned_alloc: true, memalign: true, valloc: true, pvalloc: true,
};

const isAllocation = (kind: string): kind is AllocationKind => Object.hasOwn(ALLOCATIONS, kind);

/** A replayed record in pmd's JSON shape (pmd/PROTOCOL.md), so the rest of the path is the same. */
export function toRawRecord(r: PmmRecord): RawRecord {
  if (!isAllocation(r.kind)) throw new Error(`record ${r.index}: a ${r.kind} is not an allocation`);
  return { kind: r.kind, ptr: hex(r.ptr), prevPtr: hex(r.prevPtr & ~PREV_SHOWN_ONLY), size: Number(r.size), timeNs: r.timeNs.toString(), frames: hexFrames(r.frames) };
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
    release: { kind: release.kind, frames: hexFrames(release.frames) },
  };
}

/**
 * What pmd sends for a monitor, with what the hook marked of how processes end (pmm.ko learns it from
 * each exit): the status this one gave exit() or _exit(), and the wait statuses of the children it reaped.
 */
export interface HostProcess extends RawProcess {
  exitCode: number | null;
  reaped: Reaped[];
  /** The children it forked and could not name in its files (readRecordDir checks that they made some). */
  unfollowed: number[];
}

/**
 * One process's record stream (in pieces of whole records) and object map text, replayed into what pmd sends
 * for a monitor. keptMaps(n) is the object map the hook kept as `<name>.maps.<n>` for an image the process
 * left, or null when it is not there: those mismatches are then read with a later map, as before maps were kept.
 */
export function replayProcess(
  pieces: Iterable<Uint8Array>,
  maps: string,
  keptMaps: (n: number) => string | null = () => null,
  maxLive = MAX_LIVE_RECORDS,
): HostProcess {
  const { unmatched, unmatchedFreeCount, dropped, mismatches, unhooked, exitCode, reaped, unfollowed, imagesLeft } = replayRecords(eachRecord(pieces), maxLive);
  const earlierMaps = imagesLeft.flatMap(({ mismatchesBefore, kept }) => {
    const text = keptMaps(kept);
    return text === null ? [] : [{ mismatchesBefore, maps: text }];
  });
  return {
    records: unmatched.map(toRawRecord), mismatches: mismatches.map(toRawMismatch), mismatchedFrees: mismatches.length,
    unmatchedFrees: unmatchedFreeCount, droppedRecords: dropped, maps, earlierMaps, unhooked, exitCode, reaped, unfollowed,
  };
}

/** What look gives, or null when the file it looks at is not there (a process that wrote none). */
function ifThere<T>(look: () => T): T | null {
  try {
    return look();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const readIfThere = (file: string): Buffer | null => ifThere(() => fs.readFileSync(file));
const sizeIfThere = (file: string): number | null => ifThere(() => fs.statSync(file).size);

/** Records read from a records file at a time: about 1 MiB, whole records. */
const RECORDS_PER_PIECE = Math.floor(2 ** 20 / PMM_RECORD_SIZE);

/**
 * The first length bytes of a file, in pieces of whole records, read as they are asked for. Each piece is
 * a view of one buffer that the next read overwrites: it must be used before the next is taken.
 */
function* filePieces(file: string, length: number): Generator<Uint8Array> {
  if (length === 0) return;
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(RECORDS_PER_PIECE * PMM_RECORD_SIZE);
    for (let at = 0; at < length;) {
      const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, length - at), at);
      if (n === 0) throw new Error(`${file} ended at ${at} of ${length} bytes`);
      at += n;
      yield buffer.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * One process's records, whole and in order, in pieces: its records file up to what the ring's drains
 * committed (all of it when there is no ring, an empty one, which the hook leaves at exit, or one given
 * up), then what was left in the ring, then its late records. The records file is read as the pieces are taken: a long
 * run's can be gigabytes.
 */
export function processRecordPieces(dir: string, name: string): Iterable<Uint8Array> {
  // The hook could not write a record out: what is here is not all the process did. It says so in an
  // empty file, or in its ring file when it could not make one (no descriptor left).
  const failed = (): Error =>
    new Error(`its records could not all be written to ${dir} (a full file system, a file size limit, no file descriptor left, or a chroot away from it), so what it allocated is not known`);
  if (fs.existsSync(path.join(dir, `${name}.failed`))) throw failed();
  const recordsFile = path.join(dir, `${name}.records`);
  const written = sizeIfThere(recordsFile) ?? 0;
  const ring = readIfThere(path.join(dir, `${name}.ring`));
  const late = readIfThere(path.join(dir, `${name}.late`)) ?? Buffer.alloc(0);
  // Else a ring all zeros with records written is one the program wrote over: readRingFile says so.
  if (!ring || ring.length === 0 || (written === 0 && ringNeverSetUp(ring))) return inTurn(filePieces(recordsFile, written), [late]);
  const { committed, records, failed: ringFailed, abandoned } = readRingFile(ring);
  if (ringFailed) throw failed();
  if (abandoned) return inTurn(filePieces(recordsFile, written), [late]);
  if (written < committed) throw new Error(`records file of ${written} bytes, ${committed} committed`);
  return inTurn(filePieces(recordsFile, committed), [records, late]);
}

/** The pieces of each source in turn, each taken only when the last is done. */
function* inTurn(...sources: Array<Iterable<Uint8Array>>): Generator<Uint8Array> {
  for (const source of sources) yield* source;
}

/** One process's records, whole and in order, in one buffer (for a look at a short run's). */
export function readProcessRecords(dir: string, name: string): Buffer {
  const copies: Buffer[] = [];
  // Each copied as it comes: the next piece overwrites it.
  for (const piece of processRecordPieces(dir, name)) copies.push(Buffer.from(piece));
  return Buffer.concat(copies);
}

/** A process that wrote into the directory: its files' name, its pid, and how many of the run had the pid before it. */
export interface RecordDirEntry {
  name: string;
  pid: number;
  generation: number;
}

/** The name of the files of the run's process with pid after generation others had it. */
export const processName = (pid: number, generation: number): string => (generation ? `${pid}-${generation}` : `${pid}`);

/**
 * The processes that wrote into dir, by pid, and those of one pid in the order they had it; none when the
 * program removed dir (runHost says so).
 */
export function recordDirEntries(dir: string): RecordDirEntry[] {
  let files: string[];
  try {
    files = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return files
    .flatMap((file) => {
      const m = /^(\d+)(?:-(\d+))?\.records$/.exec(file);
      if (!m) return [];
      const pid = Number(m[1]);
      const generation = Number(m[2] ?? 0);
      return [{ name: processName(pid, generation), pid, generation }];
    })
    .sort((a, b) => a.pid - b.pid || a.generation - b.generation);
}

// Read as the run ends, each file the process mapped and that was replaced since is marked so (replacedFiles.ts).
const readMaps = (dir: string, name: string): string => markReplaced(readIfThere(path.join(dir, `${name}.maps`))?.toString('utf8') ?? '');

/** A child a process's `<name>.spawned` names that wrote no files of its own, and what it runs (childrenWithoutFiles). */
export interface ChildWithoutFiles extends RecordDirEntry {
  /** The image its exec gave it, '-' when the exec failed, or null for a fork, which runs its parent's. */
  image: string | null;
  /** The parent's files' name, whose object map the child had. */
  parent: string;
}

/**
 * The children a process's `<name>.spawned` (hooklib/pmm_transport.c) names that wrote no files of their
 * own. Each line is "PID PATH" for a vfork child's or a spawned child's image, or "PID -" when that
 * child's exec failed; "PID" alone is a child fork() made, named before fork() returned to the parent,
 * which may be ended (and the run with it) before the child has set itself up. A child's last line
 * counts. (A later process of the run given the same pid, with files of its own, hides it.)
 */
export function childrenWithoutFiles(dir: string, entries: readonly RecordDirEntry[]): ChildWithoutFiles[] {
  const withFiles = new Set(entries.map((e) => e.pid));
  const found = new Map<number, ChildWithoutFiles>();
  for (const entry of entries) {
    const text = readIfThere(path.join(dir, `${entry.name}.spawned`))?.toString('utf8');
    if (!text) continue;
    for (const line of text.split('\n')) {
      const m = /^(\d+)(?: (.+))?$/.exec(line);
      if (!m || withFiles.has(Number(m[1]))) continue;
      const pid = Number(m[1]);
      found.set(pid, { name: processName(pid, 0), pid, generation: 0, image: m[2] ?? null, parent: entry.name });
    }
  }
  return [...found.values()];
}

/**
 * Whether a process of the run went on in an image without the hook, which may have started processes the
 * run does not follow: one whose object map still ends with the image it was about to exec (execImage), or
 * a vfork or spawned child that ran an image and wrote no files.
 */
export function ranUnhooked(dir: string): boolean {
  const entries = recordDirEntries(dir);
  return entries.some(({ name }) => execImage(readMaps(dir, name)) !== null) ||
    childrenWithoutFiles(dir, entries).some(({ image }) => image !== null && image !== '-');
}

/**
 * Those children of childrenWithoutFiles that ran: an unhooked image ran none of the hook's code (a vfork
 * child's or a spawned child's the hook could not enter), and its object map is its parent's with the
 * image's "exec" line after it, as pmm.ko keeps for such a child; a forked child ended before it set the
 * hook up has its parent's map, as pmm.ko copies at PMM_FORKED, and is not unhooked.
 */
function childrenNotSetUp(dir: string, entries: readonly RecordDirEntry[]): Array<RecordDirEntry & { process: HostProcess }> {
  return childrenWithoutFiles(dir, entries)
    .filter(({ image }) => image !== '-')
    .map(({ image, parent, ...entry }) => {
      const parentMaps = readMaps(dir, parent);
      const maps = image === null ? parentMaps : `${parentMaps}${parentMaps === '' || parentMaps.endsWith('\n') ? '' : '\n'}exec ${image}\n`;
      return {
        ...entry,
        process: { records: [], mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0, droppedRecords: 0, maps, earlierMaps: [], unhooked: image !== null, exitCode: null, reaped: [], unfollowed: [] },
      };
    });
}

/**
 * Each process of the directory, replayed (a process that wrote no object map gets an empty one), and the
 * children that wrote none (childrenNotSetUp), by pid. They keep at most maxTotal allocations together (the
 * rest are dropped and counted), for Node holds a kilobyte or more per leaked block.
 */
export function readRecordDir(dir: string, maxTotal = HOST_MAX_TOTAL_RECORDS): Array<RecordDirEntry & { process: HostProcess }> {
  const entries = recordDirEntries(dir);
  // As pmm.ko's max_total_records (but fewer): the processes keep at most so many together, the earlier ones first.
  let room = maxTotal;
  const replayed = entries.map((entry) => {
    try {
      const keptMaps = (n: number): string | null => {
        const text = readIfThere(path.join(dir, `${entry.name}.maps.${n}`))?.toString('utf8');
        return text === undefined ? null : markReplaced(text);
      };
      const process = replayProcess(processRecordPieces(dir, entry.name), readMaps(dir, entry.name), keptMaps, Math.min(MAX_LIVE_RECORDS, room));
      room -= process.records.length;
      return { ...entry, process };
    } catch (err) {
      const which = entry.generation ? `${entry.pid} (the run's process number ${entry.generation + 1} with that pid)` : `${entry.pid}`;
      throw new Error(`host mode, process ${which}: ${(err as Error).message}`);
    }
  });
  checkFollowed(replayed, entries);
  return [...replayed, ...childrenNotSetUp(dir, entries)].sort((a, b) => a.pid - b.pid || a.generation - b.generation);
}

/**
 * A child that its parent could not name and that wrote no files of its own (no descriptor free: the
 * program lowered RLIMIT_NOFILE, or used them all) ran and allocated unseen: the run is an error rather
 * than a report without it.
 */
function checkFollowed(replayed: ReadonlyArray<RecordDirEntry & { process: HostProcess }>, entries: readonly RecordDirEntry[]): void {
  const withFiles = new Set(entries.map((e) => e.pid));
  for (const { pid, process } of replayed) {
    const lost = process.unfollowed.find((child) => !withFiles.has(child));
    if (lost !== undefined) {
      throw new Error(
        `host mode, process ${pid}: its forked child ${lost} could not be followed: neither process could open a file to record it in ` +
          '(no descriptor free: the program lowered RLIMIT_NOFILE, or used them all; or a chroot away from the folder), so what the child allocated is not known',
      );
    }
  }
}
