// Reading host mode's ring file: the commit, and which entries are records still to be read, in order;
// a process's records put together from its records file, its ring and its late records; and which
// processes wrote into a directory.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { childrenWithoutFiles, processRecordPieces, readProcessRecords, recordDirEntries, replayProcess } from '../recordDir';
import { decodeRecords, eachRecord, PMM_RECORD_SIZE, PmmKind } from '../recordStream';
import {
  HOST_RING_MAGIC,
  HOST_STATE_OFFSET,
  readRingFile,
  RING_BYTES,
  RING_ENTRIES,
  RING_ENTRY_BYTES,
  RING_HEADER_BYTES,
  RING_OVERWRITTEN,
  RING_RESUMED,
  RING_TIME_TSC,
  SEQ_CANCELLED,
  SEQ_TAKEN,
} from '../ringFile';

interface Commit {
  tail: bigint;
  committed: bigint;
}

/** A ring file as pmm_host_ring.c leaves it: head, the commit in slot cur (the other slot stale). */
function ringFile(head: bigint, cur: number, commit: Commit): Buffer {
  const bytes = Buffer.alloc(RING_BYTES);
  bytes.writeBigUInt64LE(head, 0);
  bytes.writeUInt32LE(HOST_RING_MAGIC, HOST_STATE_OFFSET);
  bytes.writeUInt32LE(cur, HOST_STATE_OFFSET + 4);
  bytes.writeBigUInt64LE(commit.tail, HOST_STATE_OFFSET + 8 + 16 * cur);
  bytes.writeBigUInt64LE(commit.committed, HOST_STATE_OFFSET + 16 + 16 * cur);
  // The other slot: an older commit, which must not be read.
  bytes.writeBigUInt64LE(0n, HOST_STATE_OFFSET + 8 + 16 * (1 - cur));
  bytes.writeBigUInt64LE(0n, HOST_STATE_OFFSET + 16 + 16 * (1 - cur));
  return bytes;
}

/** Entry index i: seq, and a malloc record of ptr (so the test can tell which came out). */
function setEntry(bytes: Buffer, i: number, seq: bigint, ptr: bigint): void {
  const at = RING_HEADER_BYTES + i * RING_ENTRY_BYTES;
  bytes.writeBigUInt64LE(seq, at);
  bytes.writeUInt32LE(PmmKind.malloc, at + 8);
  bytes.writeBigUInt64LE(ptr, at + 8 + 8);
  bytes.writeBigUInt64LE(16n, at + 8 + 24);
}

const E = BigInt(RING_ENTRIES);

describe('readRingFile', () => {
  it('gives the records from the committed tail to the head, by position, across the wrap', () => {
    const tail = E - 4n;
    const bytes = ringFile(E + 6n, 1, { tail, committed: BigInt(2 * PMM_RECORD_SIZE) });
    setEntry(bytes, RING_ENTRIES - 4, tail + 1n, 0xa0n); // written
    setEntry(bytes, RING_ENTRIES - 3, (tail + 2n) | SEQ_TAKEN, 0xb0n); // taken by a drain that never committed
    setEntry(bytes, RING_ENTRIES - 2, (tail + 3n) | SEQ_CANCELLED, 0xbad1n); // its free cancelled it
    setEntry(bytes, RING_ENTRIES - 1, tail + 3n, 0xbad2n); // its writer died before committing it
    setEntry(bytes, 0, E + 1n, 0xc0n); // written, one lap on
    setEntry(bytes, 1, E + 1n, 0xbad3n); // given back, free for position E + 1
    setEntry(bytes, 2, 3n, 0xbad4n); // position 2: committed long ago, below the tail
    setEntry(bytes, 5, E + 6n, 0xd0n); // position E + 5, the last before the head
    setEntry(bytes, 6, E + 7n, 0xbad5n); // past the head: cannot be, and is not read
    const { committed, records } = readRingFile(bytes);
    expect(committed).toBe(2 * PMM_RECORD_SIZE);
    expect(decodeRecords(records).map((r) => r.ptr)).toEqual([0xa0n, 0xb0n, 0xc0n, 0xd0n]);
  });

  it('gives a cancelled allocation as a forget record once recording has resumed (hooks_active), in its place', () => {
    const ring = (flags: number): Buffer => {
      const bytes = ringFile(4n, 0, { tail: 0n, committed: 0n });
      bytes.writeUInt32LE(flags, 12);
      setEntry(bytes, 0, 1n, 0xa0n);
      setEntry(bytes, 1, 2n | SEQ_CANCELLED, 0xb0n); // its free cancelled it
      setEntry(bytes, 2, 3n | SEQ_CANCELLED, 0n); // a moved realloc's release, cancelled with its block's allocation
      setEntry(bytes, 3, 4n, 0xc0n);
      return bytes;
    };
    const kinds = (bytes: Buffer): string[] => decodeRecords(readRingFile(bytes).records).map((r) => `${r.kind}@${r.ptr.toString(16)}`);
    expect(kinds(ring(0))).toEqual(['malloc@a0', 'malloc@c0']);
    expect(kinds(ring(RING_RESUMED | RING_TIME_TSC))).toEqual(['malloc@a0', 'forget@b0', 'malloc@c0']);
  });

  it('turns time-stamp counter stamps into nanoseconds with the reference pair, and leaves a free\'s 0', () => {
    const bytes = ringFile(2n, 0, { tail: 0n, committed: 0n });
    bytes.writeUInt32LE(1_000_000, 8); // tsc_khz: a 1 GHz counter, one tick a nanosecond
    bytes.writeUInt32LE(RING_TIME_TSC, 12);
    bytes.writeBigUInt64LE(5000n, HOST_STATE_OFFSET + 48); // ref_tsc
    bytes.writeBigUInt64LE(1_800_000_000_000_000_000n, HOST_STATE_OFFSET + 56); // ref_ns
    setEntry(bytes, 0, 1n, 0xa0n);
    bytes.writeBigUInt64LE(3000n, RING_HEADER_BYTES + 8 + 32); // stamped 2,000 ticks before the reference
    setEntry(bytes, 1, 2n, 0xb0n); // time_ns 0: a release
    const [before, release] = decodeRecords(readRingFile(bytes).records);
    expect(before.timeNs).toBe(1_800_000_000_000_000_000n - 2000n);
    expect(release.timeNs).toBe(0n);
  });

  it('gives nothing when every position is committed', () => {
    const bytes = ringFile(100n, 0, { tail: 100n, committed: 0n });
    for (let i = 0; i < 100; i++) setEntry(bytes, i, BigInt(i) + E, 0xbadn);
    expect(readRingFile(bytes).records).toHaveLength(0);
  });

  it.each<[string, (bytes: Buffer) => Buffer, RegExp]>([
    ['a file of another size', (b) => b.subarray(0, RING_BYTES - 1), /ring file of \d+ bytes/],
    ['a file without the mark', (b) => (b.writeUInt32LE(0, HOST_STATE_OFFSET), b), /without the host ring's mark/],
    ['a commit slot that is not 0 or 1', (b) => (b.writeUInt32LE(2, HOST_STATE_OFFSET + 4), b), /commit slot 2/],
    ['a tail past the head', (b) => (b.writeBigUInt64LE(5n, 0), b), /tail 10 past the head 5/],
    ['a commit of part of a record', (b) => (b.writeBigUInt64LE(100n, HOST_STATE_OFFSET + 16), b), /not whole records/],
    ['a head 2^32 past the tail', (b) => (b.writeBigUInt64LE(10n + (1n << 32n), 0), b), /head 4294967306, 4294967296 positions past/],
    ['a seq at the tail that no writer makes', (b) => (setEntry(b, 10, 0x5a5a5a5a5a5a5a5an, 0n), b), /seq 0x5a5a5a5a5a5a5a5a at the tail, position 10/],
    ["the hook's own finding", (b) => (b.writeUInt32LE(RING_OVERWRITTEN, 12), b), /the hook found its ring in a state that no writer leaves .* for 10 s/],
  ])('refuses %s', (_what, spoil, message) => {
    expect(() => readRingFile(spoil(ringFile(20n, 0, { tail: 10n, committed: 0n })))).toThrow(message);
  });

  it('takes a zeroed entry at the tail for one being written in the first lap only', () => {
    // The ring starts zeroed: position 10's writer may have taken it and died before writing.
    expect(readRingFile(ringFile(20n, 0, { tail: 10n, committed: 0n })).records).toHaveLength(0);
    // A lap on, the drains left it at its position: 0 is the program's.
    expect(() => readRingFile(ringFile(E + 20n, 0, { tail: E + 10n, committed: 0n }))).toThrow(
      `seq 0x0 at the tail, position ${E + 10n}, which the hook never leaves`,
    );
  });
});

/** One malloc record of ptr, as the records file holds it. */
function record(ptr: bigint): Buffer {
  const bytes = Buffer.alloc(PMM_RECORD_SIZE);
  bytes.writeUInt32LE(PmmKind.malloc, 0);
  bytes.writeBigUInt64LE(ptr, 8);
  return bytes;
}

describe('readProcessRecords', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-ringfile-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes the records file up to the commit, then the ring, then the late records', () => {
    // Two committed records, then half of a batch that a killed drain was writing.
    fs.writeFileSync(path.join(dir, '7.records'), Buffer.concat([record(1n), record(2n), record(0xbadn).subarray(0, 100)]));
    const ring = ringFile(3n, 0, { tail: 2n, committed: BigInt(2 * PMM_RECORD_SIZE) });
    setEntry(ring, 2, 3n | SEQ_TAKEN, 3n);
    fs.writeFileSync(path.join(dir, '7.ring'), ring);
    fs.writeFileSync(path.join(dir, '7.late'), record(4n));
    expect(decodeRecords(readProcessRecords(dir, '7')).map((r) => r.ptr)).toEqual([1n, 2n, 3n, 4n]);
  });

  it('takes the whole records file when there is no ring, or the process emptied it at exit', () => {
    fs.writeFileSync(path.join(dir, '7.records'), Buffer.concat([record(1n), record(2n)]));
    expect(decodeRecords(readProcessRecords(dir, '7')).map((r) => r.ptr)).toEqual([1n, 2n]);
    fs.writeFileSync(path.join(dir, '7.ring'), '');
    expect(decodeRecords(readProcessRecords(dir, '7')).map((r) => r.ptr)).toEqual([1n, 2n]);
  });

  it("takes a ring file made but not set up (its header all zeros) as none when nothing was written: a process ended as it started", () => {
    // Before, the run failed: "ring file without the host ring's mark (0x0)" (a detached child the run ended).
    fs.writeFileSync(path.join(dir, '7.records'), '');
    fs.writeFileSync(path.join(dir, '7.ring'), Buffer.alloc(RING_BYTES));
    fs.writeFileSync(path.join(dir, '7.late'), record(1n));
    expect(decodeRecords(readProcessRecords(dir, '7')).map((r) => r.ptr)).toEqual([1n]);
    // With records written, such a ring is one the program zeroed: not all of what it did is there.
    fs.writeFileSync(path.join(dir, '7.records'), record(2n));
    expect(() => readProcessRecords(dir, '7')).toThrow("ring file without the host ring's mark (0x0), which the hook never leaves");
  });

  it('takes the whole records file when an image gave the ring up (no room to map it), and nothing in the ring', () => {
    // Committed up to one record; the image after the exec appended two more, and the ring has a stale entry.
    fs.writeFileSync(path.join(dir, '7.records'), Buffer.concat([record(1n), record(2n), record(3n)]));
    const ring = ringFile(3n, 0, { tail: 2n, committed: BigInt(PMM_RECORD_SIZE) });
    setEntry(ring, 2, 3n, 0xbadn);
    ring.writeUInt32LE(1, HOST_STATE_OFFSET + 68); // abandoned
    fs.writeFileSync(path.join(dir, '7.ring'), ring);
    fs.writeFileSync(path.join(dir, '7.late'), record(4n));
    expect(decodeRecords(readProcessRecords(dir, '7')).map((r) => r.ptr)).toEqual([1n, 2n, 3n, 4n]);
    // One set up so by a process that had no room for its first ring: the header all zeros but for the state.
    const fresh = Buffer.alloc(RING_BYTES);
    fresh.writeUInt32LE(HOST_RING_MAGIC, HOST_STATE_OFFSET);
    fresh.writeUInt32LE(1, HOST_STATE_OFFSET + 68);
    fs.writeFileSync(path.join(dir, '7.ring'), fresh);
    expect(decodeRecords(readProcessRecords(dir, '7')).map((r) => r.ptr)).toEqual([1n, 2n, 3n, 4n]);
  });

  it('reads a records file of many pieces in order, each piece decoded before the next read', () => {
    // 20,000 records: over three of the reader's 1 MiB pieces, the last one short.
    const n = 20_000;
    fs.writeFileSync(path.join(dir, '7.records'), Buffer.concat(Array.from({ length: n }, (_, i) => record(BigInt(i + 1)))));
    fs.writeFileSync(path.join(dir, '7.late'), record(BigInt(n + 1)));
    const ptrs = [...eachRecord(processRecordPieces(dir, '7'))].map((r) => r.ptr);
    expect(ptrs).toEqual(Array.from({ length: n + 1 }, (_, i) => BigInt(i + 1)));
    expect(replayProcess(processRecordPieces(dir, '7'), '').records).toHaveLength(n + 1);
  });

  it('refuses a records file shorter than its commit', () => {
    fs.writeFileSync(path.join(dir, '7.records'), record(1n));
    fs.writeFileSync(path.join(dir, '7.ring'), ringFile(2n, 0, { tail: 2n, committed: BigInt(2 * PMM_RECORD_SIZE) }));
    expect(() => readProcessRecords(dir, '7')).toThrow(`records file of ${PMM_RECORD_SIZE} bytes, ${2 * PMM_RECORD_SIZE} committed`);
  });
});

describe('recordDirEntries', () => {
  it('finds each process by its records file: by pid, then the later processes given the same pid', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-ringfile-'));
    try {
      for (const file of ['12-2.records', '12.records', '9.records', '12-1.records', '12.maps', '12-1.maps.new', '12-1.ring', '1x.records']) {
        fs.writeFileSync(path.join(dir, file), '');
      }
      expect(recordDirEntries(dir)).toEqual([
        { name: '9', pid: 9, generation: 0 },
        { name: '12', pid: 12, generation: 0 },
        { name: '12-1', pid: 12, generation: 1 },
        { name: '12-2', pid: 12, generation: 2 },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('childrenWithoutFiles', () => {
  it("names the children a parent's spawned file names that made no files: forks, spawned images, failed execs; a child's last line counts", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-ringfile-'));
    try {
      for (const file of ['5.records', '5-1.records', '8.records']) fs.writeFileSync(path.join(dir, file), '');
      // 8 forked 20 and 21 (21 then made files: 5 is one that did), spawned 30, whose exec failed, then 31 (a
      // path with a space), and forked 40, which later ran a file: the later line counts. 5-1 forked 41.
      fs.writeFileSync(path.join(dir, '8.spawned'), '20\n5\n30 /bin/true\n30 -\n31 /opt/my tool\n40\n40 /bin/sh\nnot a line\n');
      fs.writeFileSync(path.join(dir, '5-1.spawned'), '41\n');
      expect(childrenWithoutFiles(dir, recordDirEntries(dir)).sort((a, b) => a.pid - b.pid)).toEqual([
        { name: '20', pid: 20, generation: 0, image: null, parent: '8' },
        { name: '30', pid: 30, generation: 0, image: '-', parent: '8' },
        { name: '31', pid: 31, generation: 0, image: '/opt/my tool', parent: '8' },
        { name: '40', pid: 40, generation: 0, image: '/bin/sh', parent: '8' },
        { name: '41', pid: 41, generation: 0, image: null, parent: '5-1' },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
