// What the hook must report for its test programs: the one table both modes check, the VM
// (hook.vm.test.ts) and the host (runHost.test.ts, `pmm run --host`).
import * as path from 'path';

export const programBin = (name: string): string => path.join(__dirname, 'programs', 'bin', name);

export interface HookCase {
  name: string; // for the test's title
  program: string; // in programs/bin
  args: string[];
  exitCode: number | null;
  signal: string | null;
  stdout?: string;
  leak: { bytes: number; blocks: number };
  /** Each leak group as "bytes/blocks kinds function<caller", sorted. */
  leaks: string[];
}

export const hookCases: HookCase[] = [
  ...(['kill', 'segv', 'abort'] as const).map((how) => ({
    name: `killed_midway ${how}: 60,000 events, two laps of the ring, then death by ${how}`,
    program: 'killed_midway',
    args: [how],
    exitCode: null,
    signal: { kill: 'SIGKILL', segv: 'SIGSEGV', abort: 'SIGABRT' }[how],
    leak: { bytes: 5 * 123, blocks: 5 },
    leaks: ['615/5 malloc leak_before_dying<main'],
  })),
  {
    name: 'cxx_operators: new, new[], aligned and nothrow variants keep their kinds',
    program: 'cxx_operators',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'cxx_operators: done\n',
    leak: { bytes: 4 + 10 + 64 + 12, blocks: 4 },
    leaks: ['10/1 new[] leak_new_array<main', '12/1 new[] leak_nothrow_array<main', '4/1 new leak_new<main', '64/1 new leak_aligned<main'],
  },
  {
    name: 'threads: 8 threads with cross-thread frees, each leaking its one block',
    program: 'threads',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'threads: done\n',
    leak: { bytes: 64 * (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8), blocks: 8 },
    leaks: ['2304/8 malloc leak_in_thread<churn'],
  },
  {
    name: 'bad_input: free(NULL), malloc(0), realloc(p, 0), ENOMEM sizes, a foreign free, a signal handler',
    program: 'bad_input',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'bad_input: 0 failures\n',
    leak: { bytes: 77, blocks: 2 },
    leaks: ['0/1 malloc main<__libc_start_call_main', '77/1 malloc on_usr1<'],
  },
  {
    name: 'dl_closed: a leak whose frames lie in a library closed before exit',
    program: 'dl_closed',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'dl_closed: done\n',
    leak: { bytes: 42, blocks: 1 },
    leaks: ['42/1 malloc leak_from_library<main'],
  },
];

export function describeLeaks(leaks: Array<{ bytes: number; blocks: number; kinds: string[]; frames: Array<{ function: string | null }> }>): string[] {
  return leaks.map((l) => `${l.bytes}/${l.blocks} ${l.kinds.join(',')} ${l.frames[0]?.function}<${l.frames[1]?.function ?? ''}`).sort();
}
