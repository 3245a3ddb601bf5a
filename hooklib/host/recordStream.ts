// The hook's host-mode record stream: decodes raw struct pmm_record bytes (kernel/include/uapi/pmm.h)
// and replays them the way pmm.ko matches them, leaving the unmatched allocations (the leaks).

/** sizeof(struct pmm_record): kind, nframes (u32 each), ptr, prev_ptr, size, time_ns, frames[16] (u64 each). */
export const PMM_RECORD_SIZE = 168;
export const PMM_MAX_FRAMES = 16;
/**
 * PMM_PREV_SHOWN_ONLY of kernel/include/uapi/pmm.h: a realloc's prevPtr with it names the old block for
 * the log only; that block's release is another record's, or went with its allocation in the ring.
 */
export const PREV_SHOWN_ONLY = 1n;

export const PmmKind = {
  malloc: 1,
  calloc: 2,
  realloc: 3,
  free: 4,
  new: 5,
  'new[]': 6,
  delete: 7,
  'delete[]': 8,
  posix_memalign: 9,
  aligned_alloc: 10,
  memalign: 11,
  valloc: 12,
  pvalloc: 13,
  // Host mode only (hooklib/pmm_host_ring.h, PMM_HOST_KIND_EXEC*): the process exec()ed here, into an
  // image with the hook; it called exec() here; that call came back (failed).
  exec: 0x80000000,
  'exec-try': 0x80000001,
  'exec-failed': 0x80000002,
  // Host mode only (PMM_HOST_KIND_EXIT): the process exits through exit() or _exit(), its status in size.
  exit: 0x80000003,
  // Host mode only (PMM_HOST_KIND_REAPED): the process reaped a child; size is its pid << 32 | generation << 16
  // | wait status, the generation telling which of the run's processes with that pid it was (0: the first).
  reaped: 0x80000004,
  // Host mode only (PMM_HOST_KIND_FORGET): allocations at ptr (when not 0) and at each of frames, cancelled
  // by their frees in the ring after hooks_active was off and back on. A record at any of them missed its
  // release: it goes, as in pmm.ko.
  forget: 0x80000005,
  // Host mode only (PMM_HOST_KIND_UNFOLLOWED): the process forked the child whose pid is size, and could not
  // name it in its `<name>.spawned` (no descriptor free).
  unfollowed: 0x80000006,
} as const;
export type PmmKindName = keyof typeof PmmKind;

export interface PmmRecord {
  index: number; // position in the stream
  kind: PmmKindName;
  ptr: bigint;
  prevPtr: bigint;
  size: bigint;
  timeNs: bigint;
  frames: readonly bigint[]; // return addresses, innermost first; records with the same stack may share one array
}

const kindNames = new Map<number, PmmKindName>(
  Object.entries(PmmKind).map(([name, value]) => [value, name as PmmKindName]),
);

/** How many distinct stacks eachRecord keeps to share at a time: some megabytes. */
const STACKS_SHARED = 65536;

/**
 * Decodes records one at a time from a stream given in pieces (each whole records), numbering them from 0:
 * a long run's records need not all be in memory at once. Throws, naming the record, on anything the hook
 * cannot have written.
 */
export function* eachRecord(pieces: Iterable<Uint8Array>): Generator<PmmRecord> {
  let index = 0;
  // A program allocates from a few places: each stack is decoded once and its records share the array,
  // where a run that leaked a million blocks held sixteen million numbers (and their strings after).
  // Forgotten past STACKS_SHARED distinct ones, so that a stream of ever new stacks does not pile them up.
  const stacks = new Map<string, readonly bigint[]>();
  for (const bytes of pieces) {
    if (bytes.length % PMM_RECORD_SIZE !== 0) {
      throw new Error(`record stream of ${bytes.length} bytes is not whole ${PMM_RECORD_SIZE}-byte records`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 0; at < bytes.length; at += PMM_RECORD_SIZE, index++) {
      const kindValue = view.getUint32(at, true);
      const kind = kindNames.get(kindValue);
      if (kind === undefined) throw new Error(`record ${index}: unknown kind ${kindValue}`);
      const nframes = view.getUint32(at + 4, true);
      if (nframes > PMM_MAX_FRAMES) throw new Error(`record ${index}: nframes ${nframes} > ${PMM_MAX_FRAMES}`);
      const key = text.toString('latin1', at + 40, at + 40 + 8 * nframes);
      let frames = stacks.get(key);
      if (frames === undefined) {
        const decoded: bigint[] = [];
        for (let i = 0; i < nframes; i++) decoded.push(view.getBigUint64(at + 40 + 8 * i, true));
        if (stacks.size >= STACKS_SHARED) stacks.clear();
        stacks.set(key, (frames = decoded));
      }
      yield {
        index,
        kind,
        ptr: view.getBigUint64(at + 8, true),
        prevPtr: view.getBigUint64(at + 16, true),
        size: view.getBigUint64(at + 24, true),
        timeNs: view.getBigUint64(at + 32, true),
        frames,
      };
    }
  }
}

/** Decodes a whole stream; throws, naming the record, on anything the hook cannot have written. */
export function decodeRecords(bytes: Uint8Array): PmmRecord[] {
  return [...eachRecord([bytes])];
}

export interface Mismatch {
  allocation: PmmRecord;
  release: PmmRecord; // the free, delete or delete[] that does not go with allocation's kind
}

export interface Replay {
  unmatched: PmmRecord[]; // allocations never freed, in stream order
  unmatchedFrees: PmmRecord[]; // frees (and reallocs' prev_ptr) that matched no allocation: the first UNMATCHED_FREES_KEPT
  unmatchedFreeCount: number; // all of them
  // Allocations not kept because maxLive were live already (pmm.ko's max_records): their frees are unmatched.
  dropped: number;
  mismatches: Mismatch[]; // e.g. new[] released with delete, malloc with delete
  // The process exec()ed an image that never started the hook: what it allocated was not seen.
  unhooked: boolean;
  // The status it gave exit() or _exit() (as its parent sees it, 0..255); null if it did not (a signal killed it).
  exitCode: number | null;
  // The children it reaped, each with its wait status (as waitpid gives it).
  reaped: Reaped[];
  // The pids of the children it forked and could not name in its files (PMM_HOST_KIND_UNFOLLOWED).
  unfollowed: number[];
  // The images it left by exec() after mismatches, in order: how many mismatches came before, and n of the
  // `<name>.maps.<n>` the hook kept that image's object map as (hooklib/pmm_host_ring.h, PMM_HOST_KIND_EXEC).
  imagesLeft: ImageLeft[];
}

/** An image the process left by exec(), after mismatches made under it; its object map is `<name>.maps.<kept>`. */
export interface ImageLeft {
  mismatchesBefore: number;
  kept: number;
}

/** A child reaped: its pid, which of the run's processes with that pid it was, and its wait status. */
export interface Reaped {
  pid: number;
  generation: number;
  status: number;
}

const releaseKinds = new Set<PmmKindName>(['free', 'delete', 'delete[]']);

/** The release that goes with an allocation's kind: new with delete, new[] with delete[], the C ones with free (or realloc). */
export function releaseFor(kind: PmmKindName): PmmKindName {
  if (kind === 'new') return 'delete';
  if (kind === 'new[]') return 'delete[]';
  return 'free';
}

/** The unmatched frees a replay keeps (it counts them all): a program can free millions of foreign pointers. */
export const UNMATCHED_FREES_KEPT = 10_000;

/** pmm.ko's max_records default: the most allocations one process keeps live; the host keeps as many. */
export const MAX_LIVE_RECORDS = 1_000_000;

/** pmm.ko's max_total_records default: the most a run's processes keep together in the VM. */
export const MAX_TOTAL_RECORDS = 2_000_000;

/**
 * The most a host-mode run's processes keep together (recordDir.ts): as many as one process. Node holds up
 * to 3 KiB per leaked block of a host-mode run (its records, their stacks as text, the report); three
 * children of 1,000,000 leaks each took it past its 4 GiB heap, and pmm died with no report.
 */
export const HOST_MAX_TOTAL_RECORDS = MAX_LIVE_RECORDS;

/**
 * Matches by address, as pmm.ko does. A live block cannot be handed out twice, so an allocation at an
 * address that still has a live record means that block's release was not recorded (hooks_active was
 * off): the new record replaces the old one. Without a ring (PMM_RECORD_FD) a realloc is written after
 * the call, so a realloc that moved a block may come after another thread's allocation of the old
 * address, and takes that block for the one it freed; the ring's order excludes that. Past maxLive
 * live allocations, a new one is dropped and counted, as pmm.ko drops it past max_records, so that
 * memory stays bounded however much a program leaks.
 */
export function replayRecords(records: Iterable<PmmRecord>, maxLive = MAX_LIVE_RECORDS): Replay {
  const live = new Map<bigint, PmmRecord>();
  let liveCount = 0;
  let dropped = 0;
  const unmatchedFrees: PmmRecord[] = [];
  let unmatchedFreeCount = 0;
  const mismatches: Mismatch[] = [];
  const cancel = (ptr: bigint, by: PmmRecord): void => {
    const allocation = live.get(ptr);
    if (!allocation) {
      if (unmatchedFreeCount++ < UNMATCHED_FREES_KEPT) unmatchedFrees.push(by);
      return;
    }
    live.delete(ptr);
    liveCount--;
    const release = by.kind === 'realloc' ? 'free' : by.kind;
    if (releaseFor(allocation.kind) !== release) mismatches.push({ allocation, release: by });
  };
  // An exec() call not yet known to have failed or to have started an image with the hook.
  let trying = false;
  let exitCode: number | null = null;
  const reaped: Reaped[] = [];
  const unfollowed: number[] = [];
  const imagesLeft: ImageLeft[] = [];
  for (const record of records) {
    if (record.kind === 'unfollowed') {
      unfollowed.push(Number(record.size));
      continue;
    }
    if (record.kind === 'reaped') {
      reaped.push({ pid: Number(record.size >> 32n), generation: Number((record.size >> 16n) & 0xffffn), status: Number(record.size & 0xffffn) });
      continue;
    }
    if (record.kind === 'exit') {
      // The last one: an exit handler may still call _exit() with another status.
      exitCode = Number(record.size & 0xffn);
      continue;
    }
    if (record.kind === 'exec') {
      // As pmm.ko: the old image's blocks went with its memory. Its mismatches and unmatched frees stay,
      // with its object map when the hook kept one: theirs are that image's stacks.
      const before = imagesLeft.length > 0 ? imagesLeft[imagesLeft.length - 1].mismatchesBefore : 0;
      if (record.size !== 0n && mismatches.length > before) imagesLeft.push({ mismatchesBefore: mismatches.length, kept: Number(record.size) });
      live.clear();
      liveCount = 0;
      trying = false;
      continue;
    }
    if (record.kind === 'exec-try' || record.kind === 'exec-failed') {
      trying = record.kind === 'exec-try';
      continue;
    }
    if (record.kind === 'forget') {
      for (const ptr of [record.ptr, ...record.frames]) if (ptr !== 0n && live.delete(ptr)) liveCount--;
      continue;
    }
    if (releaseKinds.has(record.kind)) {
      if (record.ptr !== 0n) cancel(record.ptr, record);
      continue;
    }
    if (record.kind === 'realloc') {
      // As pmm.ko: a realloc that returned NULL for a size failed, and its old block is still live.
      // prev_ptr 0, or marked shown only: nothing to release here (the ring cancelled the old block's
      // allocation, and the realloc stands for it; or a moved realloc's first record released it).
      // ptr 0 with size 0: realloc(p, 0) freed p.
      if (record.ptr === 0n && record.size !== 0n) continue;
      if (record.prevPtr !== 0n && (record.prevPtr & PREV_SHOWN_ONLY) === 0n) cancel(record.prevPtr, record);
      if (record.ptr === 0n) continue;
    }
    if (live.delete(record.ptr)) liveCount--;
    if (liveCount >= maxLive) {
      dropped++;
      continue;
    }
    liveCount++;
    live.set(record.ptr, record);
  }
  // The last exec() neither failed nor started the hook: its image ran unhooked, the old one's blocks gone.
  if (trying) live.clear();
  const unmatched = [...live.values()].sort((a, b) => a.index - b.index);
  return { unmatched, unmatchedFrees, unmatchedFreeCount, dropped, mismatches, unhooked: trying, exitCode, reaped, unfollowed, imagesLeft };
}
