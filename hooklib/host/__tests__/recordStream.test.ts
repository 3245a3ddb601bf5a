// Table tests for decoding the host-mode record stream and replaying it into leaks.
import {
  decodeRecords,
  PMM_RECORD_SIZE,
  PmmKind,
  PmmKindName,
  PmmRecord,
  replayRecords,
  UNMATCHED_FREES_KEPT,
} from '../recordStream';

interface Event {
  kind: PmmKindName;
  ptr: bigint;
  prevPtr?: bigint;
  size?: bigint;
  frames?: bigint[];
}

/** Lays a record out as the hook writes it (struct pmm_record, little-endian). */
function encode(events: Event[]): Buffer {
  const out = Buffer.alloc(events.length * PMM_RECORD_SIZE);
  events.forEach((e, i) => {
    const at = i * PMM_RECORD_SIZE;
    const frames = e.frames ?? [];
    out.writeUInt32LE(PmmKind[e.kind], at);
    out.writeUInt32LE(frames.length, at + 4);
    out.writeBigUInt64LE(e.ptr, at + 8);
    out.writeBigUInt64LE(e.prevPtr ?? 0n, at + 16);
    out.writeBigUInt64LE(e.size ?? 0n, at + 24);
    out.writeBigUInt64LE(1764115200000000000n + BigInt(i), at + 32);
    frames.forEach((f, j) => out.writeBigUInt64LE(f, at + 40 + 8 * j));
  });
  return out;
}

describe('decodeRecords', () => {
  it('reads every field at its uapi offset', () => {
    const frames = Array.from({ length: 16 }, (_, i) => 0x5581a0c2b000n + BigInt(i));
    const [r] = decodeRecords(
      encode([{ kind: 'realloc', ptr: 0xffff_8000_0000_0010n, prevPtr: 0x20n, size: 300n, frames }]),
    );
    expect(r).toEqual({
      index: 0,
      kind: 'realloc',
      ptr: 0xffff_8000_0000_0010n,
      prevPtr: 0x20n,
      size: 300n,
      timeNs: 1764115200000000000n,
      frames,
    });
  });

  it('keeps only nframes frames', () => {
    const bytes = encode([{ kind: 'malloc', ptr: 1n, frames: [7n] }]);
    bytes.writeBigUInt64LE(99n, 40 + 8); // a stale slot past nframes
    expect(decodeRecords(bytes)[0].frames).toEqual([7n]);
  });

  it.each([
    ['a partial record', encode([{ kind: 'free', ptr: 1n }]).subarray(0, 100), /not whole 168-byte records/],
    ['an unknown kind', (() => { const b = encode([{ kind: 'free', ptr: 1n }]); b.writeUInt32LE(14, 0); return b; })(), /record 0: unknown kind 14/],
    ['too many frames', (() => { const b = encode([{ kind: 'free', ptr: 1n }]); b.writeUInt32LE(17, 4); return b; })(), /record 0: nframes 17/],
  ])('rejects %s', (_name, bytes, message) => {
    expect(() => decodeRecords(bytes)).toThrow(message);
  });

  it('decodes an empty stream to no records', () => {
    expect(decodeRecords(Buffer.alloc(0))).toEqual([]);
  });

  it('gives records with the same stack one frames array (a million leaks from one place hold one), and others their own', () => {
    const records = decodeRecords(encode([
      { kind: 'malloc', ptr: 0x10n, frames: [7n, 8n] },
      { kind: 'malloc', ptr: 0x20n, frames: [7n, 9n] },
      { kind: 'free', ptr: 0x10n, frames: [7n, 8n] },
      { kind: 'malloc', ptr: 0x30n, frames: [7n] },
    ]));
    expect(records.map((r) => r.frames)).toEqual([[7n, 8n], [7n, 9n], [7n, 8n], [7n]]);
    expect(records[2].frames).toBe(records[0].frames);
    expect(new Set(records.map((r) => r.frames)).size).toBe(3);
  });
});

describe('replayRecords', () => {
  const run = (events: Event[]) => {
    const { unmatched, unmatchedFrees } = replayRecords(decodeRecords(encode(events)));
    const brief = (r: PmmRecord) => `${r.kind}@${r.ptr}:${r.size}`;
    return { leaks: unmatched.map(brief), unmatchedFrees: unmatchedFrees.map(brief) };
  };

  it.each<[string, Event[], string[], string[]]>([
    ['a freed block', [{ kind: 'malloc', ptr: 16n, size: 8n }, { kind: 'free', ptr: 16n }], [], []],
    ['a leaked block', [{ kind: 'calloc', ptr: 16n, size: 8n }], ['calloc@16:8'], []],
    [
      'a realloc that moved, then a free of the new block',
      [{ kind: 'malloc', ptr: 16n, size: 8n }, { kind: 'realloc', ptr: 32n, prevPtr: 16n, size: 64n }, { kind: 'free', ptr: 32n }],
      [],
      [],
    ],
    [
      'a realloc in place that leaks',
      [{ kind: 'malloc', ptr: 16n, size: 8n }, { kind: 'realloc', ptr: 16n, prevPtr: 16n, size: 64n }],
      ['realloc@16:64'],
      [],
    ],
    ['a double free', [{ kind: 'malloc', ptr: 16n, size: 8n }, { kind: 'free', ptr: 16n }, { kind: 'free', ptr: 16n }], [], ['free@16:0']],
    ['a realloc of a block never seen', [{ kind: 'realloc', ptr: 48n, prevPtr: 16n, size: 5n }], ['realloc@48:5'], ['realloc@48:5']],
    // As pmm.ko: a second allocation of a live address means the first one's release was not
    // recorded (hooks_active off); the new record replaces it.
    [
      'an address allocated again: its release goes with the newer allocation',
      [{ kind: 'malloc', ptr: 16n, size: 1n }, { kind: 'malloc', ptr: 16n, size: 2n }, { kind: 'free', ptr: 16n }],
      [],
      [],
    ],
    [
      'an address allocated again and leaked: the newer allocation is the leak',
      [{ kind: 'malloc', ptr: 16n, size: 1n }, { kind: 'new', ptr: 16n, size: 2n }],
      ['new@16:2'],
      [],
    ],
    [
      "an exec: the old image's blocks are forgotten, its unmatched free stays",
      [{ kind: 'malloc', ptr: 16n, size: 8n }, { kind: 'free', ptr: 48n }, { kind: 'exec', ptr: 0n }, { kind: 'malloc', ptr: 16n, size: 9n }],
      ['malloc@16:9'],
      ['free@48:0'],
    ],
    // A cancelled allocation after a resume: the block whose address it took was freed unrecorded.
    [
      'a forget record drops a live record at its address, and is no allocation itself',
      [{ kind: 'malloc', ptr: 16n, size: 1n }, { kind: 'forget', ptr: 16n }, { kind: 'forget', ptr: 32n }, { kind: 'malloc', ptr: 48n, size: 3n }],
      ['malloc@48:3'],
      [],
    ],
    [
      'a free after a forget record matches nothing',
      [{ kind: 'malloc', ptr: 16n, size: 1n }, { kind: 'forget', ptr: 16n }, { kind: 'free', ptr: 16n }],
      [],
      ['free@16:0'],
    ],
    // What the ring writes: an allocation cancelled in place leaves its realloc with prev_ptr 0.
    ['a realloc that stands for its cancelled allocation', [{ kind: 'realloc', ptr: 32n, prevPtr: 0n, size: 7n }], ['realloc@32:7'], []],
    ['a failed realloc: the old block stays live', [{ kind: 'malloc', ptr: 16n, size: 8n }, { kind: 'realloc', ptr: 0n, prevPtr: 16n, size: 1n << 62n }], ['malloc@16:8'], []],
    ['realloc(p, 0) that returned NULL freed p', [{ kind: 'malloc', ptr: 16n, size: 8n }, { kind: 'realloc', ptr: 0n, prevPtr: 16n, size: 0n }], [], []],
    ['free(NULL) releases nothing', [{ kind: 'free', ptr: 0n }], [], []],
    [
      'leaks in stream order',
      [{ kind: 'malloc', ptr: 64n, size: 1n }, { kind: 'malloc', ptr: 16n, size: 2n }, { kind: 'malloc', ptr: 32n, size: 3n }],
      ['malloc@64:1', 'malloc@16:2', 'malloc@32:3'],
      [],
    ],
  ])('%s', (_name, events, leaks, unmatchedFrees) => {
    expect(run(events)).toEqual({ leaks, unmatchedFrees });
  });

  // The hook's marks around an exec() call (hooklib/pmm_host_ring.h).
  it.each<[string, Event[], string[], boolean]>([
    ['an exec that failed changes nothing', [{ kind: 'malloc', ptr: 16n, size: 8n }, { kind: 'exec-try', ptr: 0n }, { kind: 'exec-failed', ptr: 0n }, { kind: 'malloc', ptr: 32n, size: 9n }], ['malloc@16:8', 'malloc@32:9'], false],
    ['an exec into an image with the hook: its exec mark follows', [{ kind: 'malloc', ptr: 16n, size: 8n }, { kind: 'exec-try', ptr: 0n }, { kind: 'exec', ptr: 0n }, { kind: 'malloc', ptr: 32n, size: 9n }], ['malloc@32:9'], false],
    ['an exec last, into an image without the hook: unhooked, the old blocks gone', [{ kind: 'malloc', ptr: 16n, size: 8n }, { kind: 'exec-try', ptr: 0n }], [], true],
    ['a failed exec, then one into an image without the hook', [{ kind: 'exec-try', ptr: 0n }, { kind: 'exec-failed', ptr: 0n }, { kind: 'malloc', ptr: 16n, size: 8n }, { kind: 'exec-try', ptr: 0n }], [], true],
  ])('%s', (_name, events, leaks, unhooked) => {
    const replay = replayRecords(decodeRecords(encode(events)));
    expect([replay.unmatched.map((r) => `${r.kind}@${r.ptr}:${r.size}`), replay.unhooked]).toEqual([leaks, unhooked]);
  });
});

describe('a replay keeps its memory bounded', () => {
  it('drops allocations past maxLive live ones and counts them, as pmm.ko past max_records; their frees are unmatched', () => {
    const events: Event[] = [
      { kind: 'malloc', ptr: 0x10n, size: 1n },
      { kind: 'malloc', ptr: 0x20n, size: 2n },
      { kind: 'malloc', ptr: 0x30n, size: 3n }, // dropped: two are live
      { kind: 'free', ptr: 0x10n },
      { kind: 'malloc', ptr: 0x40n, size: 4n }, // kept: one place came free
      { kind: 'free', ptr: 0x30n },
    ];
    const replay = replayRecords(decodeRecords(encode(events)), 2);
    expect(replay.unmatched.map((r) => r.ptr)).toEqual([0x20n, 0x40n]);
    expect([replay.dropped, replay.unmatchedFreeCount]).toEqual([1, 1]);
  });

  it(`keeps the first ${UNMATCHED_FREES_KEPT} unmatched frees and counts them all`, () => {
    const frees: Event[] = Array.from({ length: UNMATCHED_FREES_KEPT + 3 }, (_, i) => ({ kind: 'free', ptr: BigInt(0x1000 + 16 * i) }));
    const replay = replayRecords(decodeRecords(encode(frees)));
    expect([replay.unmatchedFrees.length, replay.unmatchedFreeCount]).toEqual([UNMATCHED_FREES_KEPT, UNMATCHED_FREES_KEPT + 3]);
    expect(replay.unmatchedFrees[0].ptr).toBe(0x1000n);
  });
});

describe('the images a process left by exec(), for its mismatches\' stacks', () => {
  it('notes each exec after a mismatch with the object map the hook kept (the mark\'s size), and none without one', () => {
    const mismatch: Event[] = [{ kind: 'new[]', ptr: 16n, size: 4n }, { kind: 'delete', ptr: 16n }];
    const events: Event[] = [
      ...mismatch,
      { kind: 'exec', ptr: 0n, size: 1n }, // made one: its map is <name>.maps.1
      { kind: 'exec', ptr: 0n, size: 2n }, // made none since
      ...mismatch,
      ...mismatch,
      { kind: 'exec', ptr: 0n, size: 0n }, // made two, but the hook kept no map: a later one reads them
      ...mismatch,
      { kind: 'exec', ptr: 0n, size: 4n },
      ...mismatch,
    ];
    const replay = replayRecords(decodeRecords(encode(events)));
    expect(replay.mismatches).toHaveLength(5);
    expect(replay.imagesLeft).toEqual([{ mismatchesBefore: 1, kept: 1 }, { mismatchesBefore: 4, kept: 4 }]);
  });
});
