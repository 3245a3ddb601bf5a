// The messages of pmd/PROTOCOL.md, as TypeScript types.
import type { RawMismatch, RawRecord } from '../harness/types';

export interface ReadyMessage {
  type: 'ready';
  kernel: string;
  pmmLoaded: boolean;
}

export interface RunRequest {
  id: number;
  type: 'run';
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  hook: string | null;
  timeoutMs: number;
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
  records: RawRecord[];
  unmatchedFrees: number;
  dropped: number;
  // The process exec()ed an image the hook never entered (pmd/PROTOCOL.md): what that image allocated was not seen.
  unhooked: boolean;
  mismatches: RawMismatch[]; // blocks released by another family's call, the first 256 kept (pmd/PROTOCOL.md)
  mismatchedFrees: number; // all of them
  truncated?: boolean;
  // pmthread's VM/RSS samples, oldest first; absent when the run had no hook (pmd/PROTOCOL.md).
  samples?: Array<{ timeNs: string; vmBytes: number; rssBytes: number }>;
  // The processes the program forked, each monitored on its own; absent when the run had no hook.
  children?: Array<{
    pid: number;
    // How it ended, when pmm.ko saw its exit (pmd is not its parent); both absent otherwise.
    exitCode?: number | null;
    signal?: string | null;
    maps: string;
    records: RawRecord[];
    unmatchedFrees: number;
    dropped: number;
    unhooked: boolean;
    mismatches: RawMismatch[];
    mismatchedFrees: number;
  }>;
}

export interface ErrorMessage {
  id: number;
  type: 'error';
  message: string;
}

export interface ByeMessage {
  id: number;
  type: 'bye';
}

export type GuestMessage = ReadyMessage | RunResultMessage | ErrorMessage | ByeMessage;
