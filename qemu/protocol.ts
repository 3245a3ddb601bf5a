// The messages of pmd/PROTOCOL.md, as TypeScript types.
import type { RawMismatch, RawRecord } from '../harness/types';

/** An unmatched allocation as pmd sends it: its stack by number, in its process's stacks. */
export type AnswerRecord = Omit<RawRecord, 'frames'> & { stack: number };

export interface ReadyMessage {
  type: 'ready';
  kernel: string;
  pmmLoaded: boolean;
}

/** The longest line pmd reads (CHANNEL_MAX_LINE in pmd/channel.h): it refuses a longer request whole. */
export const MAX_REQUEST_BYTES = 64 * 2 ** 20;

export interface RunRequest {
  id: number;
  type: 'run';
  argv: string[];
  file?: string; // the program's absolute path, argv[0] then its name as given
  cwd: string;
  env: Record<string, string>;
  hook: string | null;
  timeoutMs: number;
  stdin?: string; // base64; absent: /dev/null (or, with stdinStream, a pipe)
  stdinStream?: boolean; // stdin is a pipe that input messages fill while the program runs (not with stdin)
  stream?: boolean; // output messages while the program runs; the result's stdout and stderr are then ""
}

/** pmd took a streamed run's input line: bytes of data are in (or on their way into) the program's pipe. */
export interface InputTakenMessage {
  id: number;
  type: 'inputTaken';
  bytes: number;
  closed?: true; // the program's stdin has no reader any more: what is sent from now on is dropped
}

/** The run's program has ended: pmd now collects what it left, which takes seconds when that is millions of blocks. */
export interface EndedMessage {
  id: number;
  type: 'ended';
}

/** A piece of a streamed run's output, as pmd read it. */
export interface OutputMessage {
  id: number;
  type: 'output';
  stream: 'stdout' | 'stderr';
  data: string; // base64
}

export interface RunResultMessage {
  id: number;
  type: 'result';
  pid: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string; // base64
  stderr: string; // base64
  maps: string; // base64
  stacks: string[][]; // each distinct stack of records once (hex return addresses, innermost first)
  records: AnswerRecord[];
  unmatchedFrees: number;
  dropped: number;
  // The process exec()ed an image the hook never entered (pmd/PROTOCOL.md): what that image allocated was not seen.
  unhooked: boolean;
  // Its hook stopped recording before it ended (its ring could not be drained; pmd/PROTOCOL.md).
  stopped: boolean;
  // Because the program wrote over its ring, which pmm.ko found (pmd/PROTOCOL.md); absent from an older pmd.
  overwritten?: boolean;
  mismatches: RawMismatch[]; // blocks released by another family's call, the first 256 kept (pmd/PROTOCOL.md)
  mismatchedFrees: number; // all of them
  earlierMaps: EarlierMapsAnswer[]; // the maps of images it left (exec) after mismatches, which have their stacks
  truncated?: boolean;
  // Processes the guest's out-of-memory killer ended during the run; absent when none (pmd/PROTOCOL.md).
  oomKills?: number;
  // pmthread's VM/RSS samples, oldest first; absent when the run had no hook (pmd/PROTOCOL.md).
  samples?: SampleAnswer[];
  // The processes the program forked, each monitored on its own; absent when the run had no hook. pmd
  // sends each as a child message before the result, which gives their count here (GuestChannel puts
  // them back in place).
  children?: ChildAnswer[];
}

/** A process the program forked, as pmd reports it. */
export interface ChildAnswer {
  pid: number;
  // How it ended, when pmm.ko saw its exit (pmd is not its parent); both absent otherwise.
  exitCode?: number | null;
  signal?: string | null;
  // pmd sent it SIGKILL at the run's end, when it was still there; absent from an older pmd.
  endedByRun?: boolean;
  maps: string;
  stacks: string[][];
  records: AnswerRecord[];
  unmatchedFrees: number;
  dropped: number;
  unhooked: boolean;
  // With unhooked: the hook in this forked child could not reach pmm.ko (PMM_UNHOOKED_NO_DEVICE).
  noDevice?: boolean;
  stopped: boolean;
  overwritten?: boolean;
  mismatches: RawMismatch[];
  mismatchedFrees: number;
  earlierMaps: EarlierMapsAnswer[];
  samples: SampleAnswer[]; // as the program's: pmthread's look at it while it lived
}

/** One of pmthread's looks at a process: its mapped and resident memory at that time. */
export interface SampleAnswer {
  timeNs: string; // decimal nanoseconds, CLOCK_REALTIME
  vmBytes: number;
  rssBytes: number;
}

/** The object map of an image a process left by exec() after mismatches: those before mismatchesBefore have its stacks. */
export interface EarlierMapsAnswer {
  mismatchesBefore: number;
  maps: string; // base64
}

/** One child of a run, on a line of its own ahead of the run's result. */
export interface ChildMessage extends ChildAnswer {
  id: number;
  type: 'child';
}

export interface ErrorMessage {
  id: number | null; // null: pmd could not read the request it answers (not even its id)
  type: 'error';
  message: string;
  // The program could not be started (not pmd's failure): the step that failed in its child, and why.
  cannotStart?: StartFailure;
}

/** Why a program could not be started: the step its child was at, the errno and its text (strerror). */
export interface StartFailure {
  step: 'stdin' | 'dup2' | 'chdir' | 'execve';
  errno: number;
  reason: string;
}

export interface ByeMessage {
  id: number;
  type: 'bye';
}

export type GuestMessage = ReadyMessage | RunResultMessage | ErrorMessage | ByeMessage;

/** What a line from pmd can be: an answer, or a child that goes with the result that follows. */
export type WireMessage = GuestMessage | ChildMessage | OutputMessage | InputTakenMessage | EndedMessage | (Omit<RunResultMessage, 'children'> & { children?: number });
