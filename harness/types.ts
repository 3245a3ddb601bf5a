// The shapes that cross pmm's data path: pmd's raw records, symbolized frames, and a run's result.

/**
 * What made a block: the C allocators (the aligned ones each by its name, as valgrind's stacks name them),
 * C++ operator new and new[] (any variant).
 */
export type AllocationKind =
  | 'malloc' | 'calloc' | 'realloc' | 'new' | 'new[]'
  | 'posix_memalign' | 'aligned_alloc' | 'memalign' | 'valloc' | 'pvalloc';

/** One unmatched allocation as pmd sends it (see pmd/PROTOCOL.md). */
export interface RawRecord {
  kind: AllocationKind;
  ptr: string; // hex, e.g. "0x5581a0c2b2a0"
  prevPtr: string; // hex; "0x0" unless kind is realloc
  size: number;
  timeNs: string; // decimal nanoseconds, CLOCK_REALTIME
  frames: string[]; // hex return addresses, innermost first
}

/** What released a block: free, delete, delete[], or a realloc (which releases its old block). */
export type ReleaseKind = 'free' | 'delete' | 'delete[]' | 'realloc';

/** A mismatched release as pmd sends it (see pmd/PROTOCOL.md): raw addresses, not yet symbolized. */
export interface RawMismatch {
  ptr: string; // hex
  size: number; // bytes the block was allocated with
  allocation: { kind: RawRecord['kind']; frames: string[] };
  release: { kind: ReleaseKind; frames: string[] }; // frames: [] only when stacks are off (stackDepth 0)
}

/** A stack frame after symbolization. Unknown parts are null. */
export interface Frame {
  address: string; // hex, as recorded
  function: string | null;
  file: string | null;
  line: number | null;
  object: string | null; // the mapped file that holds address
  offset?: string | null; // hex, address within object (what addr2line -e object takes); null when unknown
  // This function's code was inlined into the next frame's, at the same address (valgrind lists it so too).
  inlined?: true;
  // The name valgrind's stacks and suppressions give it: the symbol table's (symbolizer/symbolTable.ts), ''
  // where that has none (valgrind's ???), else the linkage (mangled) name; an inlined function's short name
  // (`allocate`, `make<Widget>`). Looked up only when a valgrind-format suppression is read or written.
  valgrindName?: string;
}

/** Unmatched allocations that share one stack. */
export interface Leak {
  bytes: number;
  blocks: number;
  kinds: Array<RawRecord['kind']>; // distinct kinds seen in this group
  frames: Frame[];
  suppressedBy?: string; // a suppressed leak's: the rule that matched it, `leak:PATTERN` or valgrind's name, and its FILE:LINE
}

export interface LeakSummary {
  bytes: number;
  blocks: number;
}

/**
 * A block released by a call of another family than the one that allocated it, valgrind's "Mismatched
 * free() / delete / delete []": the C allocators go with free, new with delete, new[] with delete[].
 * The block was released all the same (it is not a leak). Those with the same kinds, size and stacks are one
 * entry, seen count times.
 */
export interface Mismatch {
  allocation: { kind: RawRecord['kind']; size: number; frames: Frame[] };
  release: { kind: ReleaseKind; frames: Frame[] }; // frames: [] only when stacks are off (stackDepth 0)
  count: number;
}

/**
 * What suppression files matched: leaks, and (valgrind's Memcheck:Free) mismatched releases, left out of
 * the run's own and counted here; mismatches and mismatchedFrees are there when any release was matched.
 */
export interface Suppressed {
  leaks: Leak[];
  summary: LeakSummary;
  mismatches?: Mismatch[];
  mismatchedFrees?: number;
}

/** A process the program forked (and what it exec-ed), with the leaks it left, reported on its own. */
export interface ChildResult {
  pid: number;
  // The file it ran last, from its object map: the program it exec()ed, or the run's own for a fork that did not
  // exec (the image before, for an unhooked one); null when the hook never sent its map.
  program: string | null;
  // How it ended, when known (the VM: pmm.ko saw its exit; host mode: its hooked parent reaped it, its hook marked
  // exit() or _exit(), or the run killed it as a leftover); both null otherwise.
  exitCode: number | null;
  signal: string | null;
  /**
   * It was still running when the program ended, or at the run's timeout, and pmm ended it (SIGKILL), as it
   * ends whatever a run leaves running; signal is then SIGKILL.
   */
  endedByRun?: boolean;
  /**
   * It exec()ed an image the hook cannot enter (statically linked, set-user-ID): what that image allocated
   * was not seen. Its leaks are then none of the image before (they went with its memory).
   */
  unhooked: boolean;
  /**
   * With unhooked, in the VM: the child never exec()ed, but the hook in it could not reach pmm.ko, for the
   * program had closed the hook's descriptor of /dev/pmm and none could be opened (a chroot, RLIMIT_NOFILE):
   * what it allocated was not seen.
   */
  noDevice?: true;
  /** Its image started with recording off (PMM_HOOKS_ACTIVE=0): what it allocated before turning it on was not checked. */
  recordingOffAtStart?: true;
  leaks: Leak[];
  summary: LeakSummary;
  mismatches: Mismatch[];
  mismatchedFrees: number;
  unmatchedFrees: number; // as the program's, and the frees of blocks it inherited from its parent at fork
  droppedRecords?: number; // as the program's
  suppressed?: Suppressed; // as the program's
  samples?: MemorySample[]; // as the program's, in the VM (host mode has no pmthread)
  /**
   * With growth mode, in the VM: its own samples judged as the program's. A followed child that grew
   * steadily fails the test; one too short-lived to judge (growing null) fails nothing.
   */
  growth?: GrowthVerdict;
}

/** The most of a program's stdout, and of its stderr, that a run keeps (pmd's RUN_OUTPUT_CAP). */
export const OUTPUT_CAP_BYTES = 16 * 2 ** 20;

/** What `pmm.run` resolves to and `pmm run --json` prints. */
export interface RunResult {
  program: string;
  args: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /**
   * Present (true) when the program's environment had PMM_HOOKS_ACTIVE=0: recording started off, and what it
   * allocated before it turned recording on (pmm_hooks_active(1)), or all of it if it never did, was not checked.
   */
  recordingOffAtStart?: true;
  /** Present (true) for a run still going when the test (or hook) that started it ended: it was killed, its result is nobody's, and that test failed for it. */
  orphaned?: true;
  /** Present (false) for a run made with the hook: false option: nothing was recorded, so its no leaks says nothing. */
  hook?: false;
  /** Present (true) when the time ran out before the hook started in the program: nothing was recorded, so its no leaks says nothing. */
  timedOutBeforeHook?: true;
  /** Present (true) when a signal that reached the program through pmm (or, host mode, its process group) ended it before the hook started: nothing was recorded. */
  signalledBeforeHook?: true;
  /** Processes the guest's out-of-memory killer ended during the run (the program's SIGKILL, say); absent when none. */
  oomKills?: number;
  stdout: string; // UTF-8 text (bytes that are not UTF-8 become U+FFFD)
  stderr: string;
  // With the binary run option: the output's exact bytes (the same 16 MiB at most as stdout and stderr).
  stdoutBytes?: Buffer;
  stderrBytes?: Buffer;
  /** stdout or stderr passed OUTPUT_CAP_BYTES (16 MiB): each holds its first 16 MiB, the rest was dropped. */
  outputTruncated?: boolean;
  leaks: Leak[];
  summary: LeakSummary;
  mismatches: Mismatch[]; // blocks released by another family's call, in the order first seen; [] without the hook
  mismatchedFrees: number; // all of them; more than the mismatches' counts when pmm.ko kept only its first 256
  /**
   * Frees (and reallocs) of blocks pmm never saw allocated: a double free, a pointer no allocator gave,
   * or a block allocated while hooks_active was off. Said (pmm run and the Jest run print a line), but
   * no failure: valgrind's "Invalid free()".
   */
  unmatchedFrees: number;
  /** Allocations pmm could not keep (past pmm.ko's max_records or max_total_records, or host mode's 1,000,000): the leak figures are then a lower bound, and a run that would pass on them fails. Absent when none. */
  droppedRecords?: number;
  children: ChildResult[]; // the processes it forked (and what they exec-ed); [] without the hook (hook: false)
  suppressed?: Suppressed; // matched by PMM_SUPPRESSIONS' files; present when any given
  samples?: MemorySample[]; // pmthread's look at the process while it ran; present for a run under the hook
  growth?: GrowthVerdict; // present when the run asked for growth mode
}

/** One of pmthread's samples of a running process (pmd/PROTOCOL.md). */
export interface MemorySample {
  timeNs: string; // decimal nanoseconds, CLOCK_REALTIME, like a record's
  vmBytes: number;
  rssBytes: number;
}

/** What growth mode concluded about one series of a run's samples. */
export interface SeriesVerdict {
  series: 'rss' | 'vm' | 'unmatched';
  growing: boolean;
  /** Why, in words: the figures the decision rests on. */
  reason: string;
  /** Growth after the warm-up: the last judged value minus the first. */
  growthBytes: number;
}

export interface GrowthVerdict {
  /** true: at least one series grew steadily. null: too few samples to judge. */
  growing: boolean | null;
  samples: number;
  /** Of the samples, those judged (after the warm-up), and the fewest that are judged (minSamples, 4 at least). */
  judged?: number;
  minSamples?: number;
  series: SeriesVerdict[];
}

/** How a run ended badly, when it did: the cases a test reports as an error rather than a failed assertion. */
export type FaultKind = 'crash' | 'killed' | 'timeout' | 'kernel-panic' | 'vm-failure' | 'boot-failure';

/** Carried on failureDetails like LeakFailureDetail; the reporter writes it as a JUnit <error>. */
export interface FaultFailureDetail {
  name: 'PmmFault';
  message: string;
  stack: string;
  pmmFault: {
    kind: FaultKind;
    program: string;
    signal: string | null;
    summary: LeakSummary;
  };
}

/** A run whose memory grew steadily while it ran (growth mode); a JUnit <failure type="MemoryGrowth">. */
export interface GrowthFailureDetail {
  name: 'MemoryGrowth';
  message: string;
  stack: string;
  pmmGrowth: GrowthVerdict & { program: string };
}

/** A run that released blocks with another family's call; a JUnit <failure type="MismatchedFree">. */
export interface MismatchFailureDetail {
  name: 'MismatchedFree';
  message: string;
  stack: string;
  pmmMismatch: {
    program: string;
    mismatchedFrees: number;
    mismatches: Mismatch[];
  };
}

/**
 * A program that exited with a status other than 0, for `pmm run --junit`, where the run is the test and its
 * status its verdict (a Jest test asserts on exitCode itself); a JUnit <failure type="ExitStatus">.
 */
export interface ExitStatusFailureDetail {
  name: 'ExitStatus';
  message: string;
  stack: string;
  pmmExit: {
    program: string;
    status: number;
  };
}

/**
 * Carried on a failing test's failureDetails from the worker to reporters. A plain object, because
 * results cross from Jest's workers as JSON and Error objects lose their own fields on the way.
 */
export interface LeakFailureDetail {
  name: 'MemoryLeak';
  message: string;
  stack: string;
  pmmLeak: {
    program: string;
    summary: LeakSummary;
    leaks: Leak[];
  };
}
