// Host mode's ring file, `<pid>.ring` (hooklib/pmm_host_ring.c, pmm_host_ring.h): how much of the
// process's records file its drains committed, and the records it left in the ring, in the order the
// hook wrote them. A process killed at any point leaves both whole.
import { PMM_RECORD_SIZE, PmmKind } from './recordStream';

// kernel/include/uapi/pmm.h and hooklib/pmm_host_ring.h.
export const RING_ENTRIES = 16384;
export const RING_HEADER_BYTES = 4096;
export const RING_ENTRY_BYTES = 8 + PMM_RECORD_SIZE; // seq, then struct pmm_record
export const RING_BYTES = RING_HEADER_BYTES + RING_ENTRIES * RING_ENTRY_BYTES;
export const HOST_STATE_OFFSET = 2048;
export const HOST_RING_MAGIC = 0x484d4d50;
export const SEQ_TAKEN = 1n << 62n;
export const SEQ_CANCELLED = 1n << 63n;
export const RING_TIME_TSC = 1; // header flags: records are stamped with rdtsc at tsc_khz
export const RING_RESUMED = 2; // header flags: recording resumed after hooks_active was off
export const RING_OVERWRITTEN = 8; // header flags: the hook found the ring written over
export const RING_HEAD_MAX_AHEAD = 1n << 32n;
export const RING_STALL_SECONDS = 10;
const RECORD_PTR_OFFSET = 8; // struct pmm_record's ptr
const RECORD_TIME_OFFSET = 32; // struct pmm_record's time_ns

export interface RingLeft {
  /** Bytes of the records file that are whole records of this process; past them, an uncommitted batch. */
  committed: number;
  /** The records still in the ring, oldest first, as raw struct pmm_record bytes. */
  records: Buffer;
  /** The hook could not write a record out and stopped recording: what is here is not all (state's failed). */
  failed: boolean;
  /**
   * An image of the process had no room to map the ring (an address-space limit) and gave it up (state's
   * abandoned): the records file is whole, and nothing in the ring is the process's.
   */
  abandoned: boolean;
}

/**
 * A ring file made to its size but with a header still all zeros: the hook had not set it up (it
 * measures the counter's rate first, 200 µs) when its process was ended, as a child is that the run
 * ends while it starts. With no records written either, the process recorded nothing.
 */
export function ringNeverSetUp(bytes: Buffer): boolean {
  return bytes.length === RING_BYTES && bytes.subarray(0, RING_HEADER_BYTES).every((b) => b === 0);
}

/**
 * A ring file that the hook never leaves so: the program, which has it mapped, wrote over it. Its
 * records are then not what it allocated.
 */
/** How a program writes over the ring it has mapped: both modes' messages say it alike. */
export const STRAY_WRITES = "a stray write, a memset or an overflow into the ring's mapping";
const WROTE_OVER = `the program wrote over its record ring (${STRAY_WRITES}), so what it allocated is not known`;
const overwritten = (what: string): Error => new Error(`${what}, which the hook never leaves: ${WROTE_OVER}`);
/**
 * The other way to leave a record that never comes: a thread that took its position and never wrote it.
 * The hook's own finding (PMM_RING_OVERWRITTEN) cannot tell the two apart.
 */
export const UNFINISHED_RECORD =
  'one of its threads left a record unfinished (cancelled asynchronously, PTHREAD_CANCEL_ASYNCHRONOUS, or left by a longjmp out of a signal handler, while it allocated or freed)';
/** The hook's own finding (PMM_RING_OVERWRITTEN), made while the program ran. */
const FOUND_OVERWRITTEN = `the hook found its ring in a state that no writer leaves (an entry no writer makes, or a record it waited on for ${RING_STALL_SECONDS} s that never came): the program wrote over its record ring (${STRAY_WRITES}), or ${UNFINISHED_RECORD}, so what it allocated is not known`;

/**
 * A seq that the entry of the oldest position not yet drained may have (pmm_ring_state_possible in
 * the uapi header): free for that position, 0 in the first lap, or written (maybe cancelled or taken).
 */
function seqPossibleAtTail(seq: bigint, tail: bigint): boolean {
  const written = seq & ~SEQ_TAKEN & ~SEQ_CANCELLED;
  return written === tail || written === tail + 1n || (written === 0n && tail < BigInt(RING_ENTRIES));
}

/**
 * What a ring file holds for the reader. An entry is a record of position p when its seq is p + 1
 * (written; a drain may have taken it and not yet committed it) with p at the entry's index, and p
 * is not below the committed tail nor past the head. A cancelled entry, one given back for the next
 * lap (its seq is that position, one less than a record's) and one never finished are not records,
 * but a cancelled allocation is a forget record once recording has resumed, as in the hook's drains.
 */
export function readRingFile(bytes: Buffer): RingLeft {
  if (bytes.length !== RING_BYTES) throw overwritten(`ring file of ${bytes.length} bytes, not ${RING_BYTES}`);
  const magic = bytes.readUInt32LE(HOST_STATE_OFFSET);
  if (magic !== HOST_RING_MAGIC) throw overwritten(`ring file without the host ring's mark (0x${magic.toString(16)})`);
  const cur = bytes.readUInt32LE(HOST_STATE_OFFSET + 4);
  if (cur > 1) throw overwritten(`ring file: commit slot ${cur}`);
  const head = bytes.readBigUInt64LE(0);
  const tail = bytes.readBigUInt64LE(HOST_STATE_OFFSET + 8 + 16 * cur);
  const committed = bytes.readBigUInt64LE(HOST_STATE_OFFSET + 16 + 16 * cur);
  if (tail > head) throw overwritten(`ring file: committed tail ${tail} past the head ${head}`);
  if (committed % BigInt(PMM_RECORD_SIZE) !== 0n) throw overwritten(`ring file: committed ${committed} bytes, not whole records`);
  const flags = bytes.readUInt32LE(12);
  if (flags & RING_OVERWRITTEN) throw new Error(FOUND_OVERWRITTEN);
  if (head - tail >= RING_HEAD_MAX_AHEAD) throw overwritten(`ring file: head ${head}, ${head - tail} positions past the committed tail`);
  if (head !== tail) {
    const atTail = bytes.readBigUInt64LE(RING_HEADER_BYTES + Number(tail % BigInt(RING_ENTRIES)) * RING_ENTRY_BYTES);
    if (!seqPossibleAtTail(atTail, tail)) throw overwritten(`ring file: seq 0x${atTail.toString(16)} at the tail, position ${tail}`);
  }

  const resumed = (flags & RING_RESUMED) !== 0;
  const left: Array<{ pos: bigint; at: number; cancelled: boolean }> = [];
  for (let i = 0; i < RING_ENTRIES; i++) {
    const at = RING_HEADER_BYTES + i * RING_ENTRY_BYTES;
    const seq = bytes.readBigUInt64LE(at);
    const cancelled = (seq & SEQ_CANCELLED) !== 0n;
    if (cancelled && (!resumed || bytes.readBigUInt64LE(at + 8 + RECORD_PTR_OFFSET) === 0n)) continue;
    const written = seq & ~SEQ_TAKEN & ~SEQ_CANCELLED;
    if (written === 0n) continue;
    const pos = written - 1n;
    if (pos % BigInt(RING_ENTRIES) !== BigInt(i) || pos < tail || pos >= head) continue;
    left.push({ pos, at: at + 8, cancelled });
  }
  left.sort((a, b) => (a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : 0));
  const toNs = stampConverter(bytes);
  return {
    failed: bytes.readUInt32LE(HOST_STATE_OFFSET + 64) !== 0,
    abandoned: bytes.readUInt32LE(HOST_STATE_OFFSET + 68) !== 0,
    committed: Number(committed),
    records: Buffer.concat(
      left.map(({ at, cancelled }) => {
        if (cancelled) return forgetRecord(bytes.readBigUInt64LE(at + RECORD_PTR_OFFSET));
        const record = Buffer.from(bytes.subarray(at, at + PMM_RECORD_SIZE));
        const stamp = record.readBigUInt64LE(RECORD_TIME_OFFSET);
        if (stamp !== 0n) record.writeBigUInt64LE(toNs(stamp), RECORD_TIME_OFFSET);
        return record;
      }),
    ),
  };
}

/**
 * What a record's time_ns in the ring means: CLOCK_REALTIME nanoseconds, or, with PMM_RING_TIME_TSC in
 * the header, the time-stamp counter at the header's tsc_khz, turned into nanoseconds with the state's
 * reference pair (ref_tsc was the counter at ref_ns), as the hook's drains do.
 */
function stampConverter(bytes: Buffer): (stamp: bigint) => bigint {
  const khz = BigInt(bytes.readUInt32LE(8));
  const flags = bytes.readUInt32LE(12);
  if (!(flags & RING_TIME_TSC) || khz === 0n) return (stamp) => stamp;
  const refTsc = bytes.readBigUInt64LE(HOST_STATE_OFFSET + 48);
  const refNs = bytes.readBigUInt64LE(HOST_STATE_OFFSET + 56);
  return (stamp) => {
    const ns = refNs + ((stamp - refTsc) * 1_000_000n) / khz;
    return ns > 0n ? ns : 0n;
  };
}

/** The hook's form of a cancelled allocation after a resume (PMM_HOST_KIND_FORGET): only kind and ptr. */
function forgetRecord(ptr: bigint): Buffer {
  const record = Buffer.alloc(PMM_RECORD_SIZE);
  record.writeUInt32LE(PmmKind.forget, 0);
  record.writeBigUInt64LE(ptr, RECORD_PTR_OFFSET);
  return record;
}
