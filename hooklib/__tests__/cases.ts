// What the hook must report for its test programs: the one table both modes check, the VM
// (hook.vm.test.ts) and the host (runHost.test.ts, `pmm run --host`).
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import type { Leak, LeakSummary } from '../../harness/types';

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
  /** Each mismatched release in the order it happened, as describeMismatches gives it. */
  mismatches: string[];
  /** Frees of blocks never seen allocated, when not 0. */
  unmatchedFrees?: number;
}

/** A mismatched release in a test program, with where (function:line) each side happened. */
function mismatch(allocKind: string, size: number, allocAt: string, releaseKind: string, releaseAt: string, caller: string): string {
  return `${allocKind} ${size} at ${allocAt}<${caller} by ${releaseKind} at ${releaseAt}<${caller}`;
}

export const hookCases: HookCase[] = [
  // rtsig: a real-time signal, which the run names as pmd does (host mode: Node has no name for it).
  ...(['kill', 'segv', 'abort', 'rtsig'] as const).map((how) => ({
    name: `killed_midway ${how}: 60,000 events, two laps of the ring, then death by ${how}`,
    program: 'killed_midway',
    args: [how],
    exitCode: null,
    signal: { kill: 'SIGKILL', segv: 'SIGSEGV', abort: 'SIGABRT', rtsig: 'SIGRTMIN+1' }[how],
    leak: { bytes: 5 * 123, blocks: 5 },
    leaks: ['615/5 malloc leak_before_dying<main'],
    mismatches: [],
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
    mismatches: [
      mismatch('new[]', 20, 'mismatched():40', 'delete', 'mismatched():41', 'main:49'),
      mismatch('malloc', 30, 'mismatched():42', 'delete', 'mismatched():43', 'main:49'),
    ],
  },
  // A program may replace operator new or delete itself: the hook's operators then hand each call to
  // libstdc++'s, which call the program's as without the hook (its delete[] the program's delete: 21
  // frees, as run plainly), and the blocks are malloc's and free's, so no release is a mismatch (pmm_cxx.c).
  {
    name: 'cxx_own_delete: a program with its own operator delete and the library\'s new makes no mismatch',
    program: 'cxx_own_delete',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'cxx_own_delete: 21 frees counted\n',
    leak: { bytes: 8 + 12, blocks: 2 },
    leaks: ['12/1 malloc operator new(unsigned long)<leak_array', '8/1 malloc operator new(unsigned long)<leak_pair'],
    mismatches: [],
  },
  {
    name: 'cxx_own_new: a program with its own operator new and the library\'s delete makes no mismatch',
    program: 'cxx_own_new',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'cxx_own_new: 21 news counted\n',
    leak: { bytes: 8, blocks: 1 },
    leaks: ['8/1 malloc operator new(unsigned long)<leak_pair'],
    mismatches: [],
  },
  {
    name: 'cxx_own_arena: a program\'s own operator new (an arena) and delete(void *) get its sized and array deletes, as without pmm',
    program: 'cxx_own_arena',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'cxx_own_arena: 11 news, 11 deletes\n',
    leak: { bytes: 0, blocks: 0 },
    leaks: [],
    mismatches: [],
  },
  {
    name: 'cxx_new_handler: a new that succeeds after its new_handler (which uses the heap too) made room keeps its kind (new[]), nothrow too',
    program: 'cxx_new_handler',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'cxx_new_handler: got both, 2 reserves released\n',
    leak: { bytes: 48 << 20, blocks: 1 },
    leaks: [`${48 << 20}/1 new[] grab_after_handler<main`],
    mismatches: [],
  },
  {
    name: 'cxx_pool: libstdc++\'s pool allocators keep nothing at exit (GLIBCXX_FORCE_NEW, as valgrind sets it), their leaks still shown',
    program: 'cxx_pool',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'cxx_pool: done\n',
    leak: { bytes: 8 + 4, blocks: 2 },
    leaks: [
      '4/1 new __gnu_cxx::__mt_alloc<int, __gnu_cxx::__common_pool_policy<__gnu_cxx::__pool, true> >::allocate(unsigned long, void const*)<leak_nodes',
      '8/1 new __gnu_cxx::__pool_alloc<long>::allocate(unsigned long, void const*)<leak_nodes',
    ],
    mismatches: [],
  },
  {
    name: 'mismatched_frees: each mismatched release reported with both stacks, the block released all the same',
    program: 'mismatched_frees',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'mismatched_frees: done\n',
    leak: { bytes: 0, blocks: 0 },
    leaks: [],
    mismatches: [
      mismatch('new[]', 40, 'array_by_delete:19', 'delete', 'array_by_delete:21', 'main:83'),
      mismatch('new', 8, 'scalar_by_delete_array:28', 'delete[]', 'scalar_by_delete_array:30', 'main:84'),
      mismatch('malloc', 30, 'malloc_by_delete:35', 'delete', 'malloc_by_delete:37', 'main:85'),
      mismatch('new', 4, 'new_by_free:42', 'free', 'new_by_free:44', 'main:86'),
      mismatch('new[]', 18, 'array_by_free:49', 'free', 'array_by_free:51', 'main:87'),
      mismatch('calloc', 14, 'calloc_by_delete_array:56', 'delete[]', 'calloc_by_delete_array:58', 'main:88'),
      mismatch('new[]', 24, 'new_by_realloc:63', 'realloc', 'new_by_realloc:65', 'main:89'),
    ],
  },
  {
    name: 'mismatched_frees matched: every block released by its own kind of call, no mismatch',
    program: 'mismatched_frees',
    args: ['matched'],
    exitCode: 0,
    signal: null,
    stdout: 'mismatched_frees: done\n',
    leak: { bytes: 0, blocks: 0 },
    leaks: [],
    mismatches: [],
  },
  {
    name: 'inlined: a block allocated in a function inlined into its caller names both, the inlined one first',
    program: 'inlined',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'inlined: done\n',
    leak: { bytes: 24, blocks: 1 },
    leaks: ['24/1 malloc make_name<named'],
    mismatches: [],
  },
  {
    name: 'no_unwind_tables: code built without CFI keeps its callers (a step by frame pointer where libgcc\'s unwinder stops)',
    program: 'no_unwind_tables',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'no_unwind_tables: done\n',
    leak: { bytes: 33, blocks: 1 },
    leaks: ['33/1 malloc leak_here<middle'],
    mismatches: [],
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
    mismatches: [],
  },
  {
    name: 'returned_block: a block freed or moved by another thread comes back to the thread that allocated it, and is freed there',
    program: 'returned_block',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'returned_block: 100 freed and 100 moved blocks came back\n',
    leak: { bytes: 0, blocks: 0 },
    leaks: [],
    mismatches: [],
  },
  {
    name: 'libc_callers: each aligned allocator\'s block keeps its own kind, through pmm.ko and pmd as in host mode',
    program: 'libc_callers',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'libc_callers: done\n',
    leak: { bytes: 9 + 100 + 512 + 40 + 1000 + 10 + 240, blocks: 7 },
    leaks: [
      '10/1 pvalloc leak_pvalloc<main', '100/1 posix_memalign leak_posix_memalign<main', '1000/1 valloc leak_valloc<main',
      '240/1 realloc leak_reallocarray<main', '40/1 memalign leak_memalign<main', '512/1 aligned_alloc leak_aligned_alloc<main',
      '9/1 malloc strdup<leak_strdup',
    ],
    mismatches: [],
  },
  {
    name: 'libc_names: __libc_malloc, __libc_calloc, __libc_realloc, __libc_memalign and __libc_free are caught as malloc and free are',
    program: 'libc_names',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'libc_names: done\n',
    leak: { bytes: 11 + 16 + 40 + 50, blocks: 4 },
    leaks: ['11/1 malloc leak_libc_names<main', '16/1 calloc leak_libc_names<main', '40/1 memalign leak_libc_names<main', '50/1 malloc leak_libc_names<main'],
    mismatches: [],
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
    mismatches: [],
    // The free of the block allocated while hooks_active was off.
    unmatchedFrees: 1,
  },
  {
    // Its parent is pmd in the VM, pmm-launch on the host: either died of the first (SIGHUP, SIGILL),
    // taking the run with it, and the launcher took a SIGRTMIN of the program's for pmm's ask.
    name: 'signal_parent: a program that sends its parent every signal it can is run and reported, with nothing sent back',
    program: 'signal_parent',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'signal_parent: started with ignored 0000000000000000, blocked 0000000000000000; 0 came back; its parent lives\n',
    leak: { bytes: 17, blocks: 1 },
    leaks: ['17/1 malloc leak_before_signals<main'],
    mismatches: [],
  },
  {
    name: 'many_leaks: 20,000 blocks never freed, more than a ring holds at exit',
    program: 'many_leaks',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'many_leaks: done\n',
    leak: { bytes: 8 * 20000, blocks: 20000 },
    leaks: ['160000/20000 malloc leak_one<main'],
    mismatches: [],
  },
  {
    name: "close_fds: a program that closes every fd and reuses the numbers: its files stay its own, no hang",
    program: 'close_fds',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'close_fds: its file is its own\n',
    leak: { bytes: 32 * 33334, blocks: 33334 },
    leaks: ['1066688/33334 malloc leak_some<main'],
    mismatches: [],
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
    mismatches: [],
  },
  {
    // A thread cancelled inside a drain (whose write is a cancellation point) left it held: the program hung.
    name: 'cancel_threads: threads cancelled while they allocate and drain the ring; the rest go on',
    program: 'cancel_threads',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'cancel_threads: done\n',
    leak: { bytes: 24, blocks: 1 },
    leaks: ['24/1 malloc main<__libc_start_call_main'],
    mismatches: [],
  },
  {
    // environ is still NULL there: host mode never started (the run was refused), the VM ignored PMM_* settings.
    name: 'preinit_alloc: an allocation in a .preinit_array function, before the C library sets environ',
    program: 'preinit_alloc',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'preinit_alloc: done\n',
    leak: { bytes: 111, blocks: 2 },
    leaks: ['10/1 malloc main<__libc_start_call_main', '101/1 malloc leak_before_libc<first_of_all'],
    mismatches: [],
  },
  {
    // The hook's 8 KiB of static TLS came out of every thread's stack: this thread died of SIGSEGV.
    name: 'small_stack: a thread with the smallest stack runs as it does without the hook',
    program: 'small_stack',
    args: [],
    exitCode: 0,
    signal: null,
    stdout: 'small_stack: done\n',
    leak: { bytes: 40, blocks: 1 },
    leaks: ['40/1 malloc deep_locals<small_thread'],
    mismatches: [],
  },
];

/**
 * fork_family: the parent leaks one block and runs five processes that each leak their own: a fork
 * (its free of its copy of the parent's block matches nothing of its own, so the block stays the
 * parent's leak), a fork that execs the program, a vfork that does, a posix_spawn and a system(), whose
 * shell forks the program: the shell is a child too, with at most leaks of its own (in the shell or libc).
 */
export const forkFamilyCase = {
  name: 'fork_family: follows fork, exec, vfork, posix_spawn and system: each child reported on its own, in the same run',
  program: 'fork_family',
  stdout: 'fork_family: done\n',
  leak: { bytes: 100, blocks: 1 },
  leaks: ['100/1 malloc leak<main'],
  /** describeChildren's answer, sorted. */
  children: ['176/4 malloc leak<main', '275/5 malloc leak<main', '44/2 malloc leak<main', '539/7 malloc leak<main', '99/3 malloc leak<main', 'shell'],
  /** describeChildPrograms' answer: the forks, the one that exec()ed itself and the spawns ran fork_family, system() a shell. */
  childPrograms: ['/bin/sh', 'fork_family'],
};

/**
 * exec_image: the process exec()s itself, or (other) leak_three. Only the new image's blocks are leaks (the
 * first image's went with its memory, and valgrind does not report them either); the first image's
 * mismatched release counts, with the stacks of the image that made it: the new image's object map does
 * not show that image's code (other), or shows it elsewhere (itself, where addresses are randomised).
 */
const execImageMismatch = mismatch('new[]', 16, 'mismatch_before_exec:23', 'delete', 'mismatch_before_exec:25', 'main:46');
export const execImageCases = [
  {
    name: 'exec_image: after an exec, the old image\'s blocks are no leak; its mismatched release counts, with its own stacks',
    program: 'exec_image',
    args: [],
    exitCode: 0,
    stdout: 'exec_image: done\n',
    leak: { bytes: 44, blocks: 2 },
    leaks: ['44/2 malloc leak_after_exec<main'],
    mismatches: [execImageMismatch],
  },
  {
    name: 'exec_image other: a mismatched release made before an exec into another program is read with the object map of the image that made it',
    program: 'exec_image',
    args: ['other'],
    exitCode: 7,
    stdout: 'leak_three: done\n',
    leak: { bytes: 600, blocks: 3 },
    leaks: ['100/1 malloc leak_malloc<main', '200/1 calloc leak_calloc<main', '300/1 realloc leak_realloc<main'],
    mismatches: [execImageMismatch],
  },
];

/**
 * exec_env: seventeen new images, each handed an environment without the hook (execve/execle/execvpe/fexecve/
 * execveat with an environment of the program's, a NULL one and one of 10,000 variables, execv/execl/execlp/
 * execvp after clearenv or unsetenv, an empty LD_PRELOAD, posix_spawn and posix_spawnp, and system() and
 * popen() after clearenv, execve after a chdir), each leaking one block. All seventeen are seen, and each got the program's own
 * variable (but the one given no environment at all); the forked children that called system() and popen(),
 * and the shells those ran, leak only in the shell and libc.
 */
const execEnvModes = [
  'execve', 'execle', 'execvpe', 'fexecve', 'execveat', 'clearenv-execv', 'unsetenv-execl',
  'unsetenv-execlp', 'unsetenv-execvp', 'empty-preload', 'posix_spawn', 'posix_spawnp',
  'clearenv-system', 'clearenv-popen', 'null-env', 'huge-env', 'chdir-execve',
];
export const execEnvModeCount = execEnvModes.length;
export const execEnvCase = {
  name: 'exec_env: an image exec()ed or spawned with an environment without the hook is hooked all the same',
  program: 'exec_env',
  stdout: `${execEnvModes.map((mode) => `${mode}: EXEC_ENV_KEPT ${mode === 'null-env' ? 'unset' : 'kept'}\n`).join('')}exec_env: done\n`,
  children: [...execEnvModes.map(() => '22/1 malloc leak_in_new_image<main'), 'shell', 'shell', 'shell', 'shell'],
};

/**
 * raw_fork: a child made by clone() and one by the fork system call, neither through the C library's fork
 * (no fork handlers ran): each leaks a block, its own, reported in its entry. The hook's first record in
 * such a child used to kill it.
 */
export const rawForkCase = {
  name: 'raw_fork: a child made by clone() or the fork system call is followed, not killed by the hook',
  program: 'raw_fork',
  stdout: 'raw_fork: done\n',
  leak: { bytes: 100, blocks: 1 },
  leaks: ['100/1 malloc leak<main'],
  children: ['31/1 malloc leak<clone_child', '42/1 malloc leak<main'],
  childPrograms: ['raw_fork'],
};

/**
 * vfork_alloc: a vfork child allocates 40,000 blocks before it execs /bin/true: more than the ring holds,
 * written into its parent's ring (it runs on the parent's memory), which it must have drained while the
 * parent is suspended. The blocks stay in the parent's heap: the parent's leak, with its own two. In the
 * VM the drain was refused (only the ring's process could), and the parent's recording was lost.
 */
export const vforkAllocCase = {
  name: "vfork_alloc: a vfork child's allocations before its exec are its parent's, past a full ring too",
  program: 'vfork_alloc',
  stdout: 'vfork_alloc: done\n',
  leak: { bytes: 640_030, blocks: 40_002 },
  leaks: ['10/1 malloc leak<main', '20/1 malloc leak<main', '640000/40000 malloc leak<main'],
  children: ['shell'],
  childPrograms: ['/usr/bin/true'],
};

/**
 * quick_exit: a program that prints and ends with _exit(), which skips the exit handlers and so the
 * freeres. From main the hook frees glibc's buffers there, as exit() and valgrind do (its stdout buffer
 * was reported as a leak); from a signal handler, or with another thread still running, it leaves them:
 * the handler may have interrupted the C library holding them, the thread may still use them. Inlined
 * functions are frames of their own, as valgrind lists them: the buffer's caller is glibc's internal alias
 * of _IO_doallocbuf, inlined into it, and the DTV's allocator the loader's calloc, inlined into allocate_dtv.
 */
export const quickExitCase = {
  name: 'quick_exit: _exit() and quick_exit() free what glibc keeps, as exit() does, where that is safe, and drop what stdio holds',
  program: 'quick_exit',
  // mode, exit status, leaks, stdout (the mode's line, unless given): quick_exit() left glibc's stdout
  // buffer as a leak; a line left in the buffer was printed by the freeres, twice with a fork.
  runs: [
    ['main', 0, []],
    ['handler', 3, ['4096/1 malloc _IO_file_doallocate<__GI__IO_doallocbuf']],
    ['thread', 0, ['288/1 calloc calloc<allocate_dtv', '4096/1 malloc _IO_file_doallocate<__GI__IO_doallocbuf']],
    ['quick', 0, []],
    ['unflushed', 0, [], ''],
    ['fork', 0, []],
  ] as Array<[string, number, string[], string?]>,
};

/**
 * dl_reload leak: a block allocated in libframe_small.so, closed, then one in libframe_big.so, which the
 * loader mapped where the first was: the two stacks' first addresses are the same, and each leak must
 * name its own library (the hook's map says when each closed object was found gone).
 */
export const dlReuseCase = {
  name: 'dl_reload leak: a library mapped where a closed one was does not take the closed one\'s leaks',
  program: 'dl_reload',
  args: ['leak'],
  leaks: ['42/1 libframe_big.so frame_alloc', '42/1 libframe_small.so frame_alloc'],
  // dl_reload again: the small library opened once more where both were. Its first block was the big one's.
  again: { args: ['again'], leaks: ['42/1 libframe_big.so frame_alloc', '84/2 libframe_small.so frame_alloc'] },
};

/**
 * replaced_self, run from a copy that it replaces with another program (leak_three) before it ends: its
 * leak's frames in its own file are not named after leak_three's functions (object and offset only): pmd,
 * or host mode's reader, marks the file " (deleted)" in the map, as the kernel would now.
 */
export const replacedSelfCase = {
  name: 'replaced_self: a program whose file was replaced while it ran is not symbolized from the new file',
  program: 'replaced_self',
  other: 'leak_three',
  /** As describeLeakObjects gives it. */
  expected: ['24/1 self ?'],
  /** The same program, not replaced: its own function is named (the case can tell the two apart). */
  unreplaced: ['24/1 self replaced_self_leak'],
};

/** A folder in /tmp (writable in the guest too) with copies of replacedSelfCase's program, named self, and of the other. */
export function replacedSelfCopies(): { dir: string; self: string; other: string } {
  const dir = fs.mkdtempSync(path.join('/tmp', 'pmm-replaced-self-'));
  const self = path.join(dir, 'self');
  const other = path.join(dir, 'other');
  fs.copyFileSync(programBin(replacedSelfCase.program), self);
  fs.copyFileSync(programBin(replacedSelfCase.other), other);
  fs.chmodSync(self, 0o755);
  return { dir, self, other };
}

/** Each leak group as "bytes/blocks object function" of its first frame, sorted; a file's " (deleted)" left out. */
export function describeLeakObjects(leaks: readonly Leak[]): string[] {
  return leaks.map((l) => `${l.bytes}/${l.blocks} ${path.basename(l.frames[0]?.object ?? '?').replace(/ \(deleted\)$/, '')} ${l.frames[0]?.function ?? '?'}`).sort();
}

/**
 * fd_exhaust: a program that leaves no file descriptor free (RLIMIT_NOFILE lowered to 64, all of them
 * opened), then allocates more than the ring holds: 10,000 of its 30,000 blocks leaked. With "keep" the
 * hook's descriptors stay open; with "close" the program closed them first, as a daemon closes every one.
 */
export const fdExhaustCase = {
  name: 'fd_exhaust: a program that leaves no file descriptor free is recorded whole, or said not to be',
  program: 'fd_exhaust',
  stdout: 'fd_exhaust: done\n',
  leak: { bytes: 240_000, blocks: 10_000 },
  leaks: ['240000/10000 malloc main<__libc_start_call_main'],
};

/**
 * fsize_limit: a program that lowers its own file size limit (RLIMIT_FSIZE) to 1 MiB, then leaks 50,000
 * blocks, whose records alone are more than 1 MiB. In the VM they go to pmm.ko, through no file. On the
 * host the hook's drain wrote past the limit, and the SIGXFSZ that raised killed the program: the hook
 * must stop short of the limit and say so instead. With exceed the program writes past its limit itself,
 * and is killed by it as without pmm.
 */
export const fsizeLimitCase = {
  name: 'fsize_limit: a program that lowers its file size limit below what its records take runs to its end; its own write past the limit still kills it',
  program: 'fsize_limit',
  stdout: 'fsize_limit: done\n',
  leak: { bytes: 50_000 * 32, blocks: 50_000 },
  leaks: ['1600000/50000 malloc churn<main'],
  exceed: { signal: 'SIGXFSZ', leak: { bytes: 5 * 32, blocks: 5 }, leaks: ['160/5 malloc churn<main'] },
};

/**
 * seccomp_denied: a program whose seccomp filter denies (EPERM) the system calls the hook drains its ring
 * with (ioctl and msync of /dev/pmm; with "strict" getpid too), then allocates 30,000 blocks, more than
 * the ring holds. Run plainly it ends at once; under the hook it waited for ever on the full ring when
 * getpid was denied too (the hook could not tell it was the ring's process, and so never stopped). It
 * ends, and the run is an error: the hook stopped recording, so the figures (218,480 bytes in 5,462
 * blocks, of 400,000 in 10,000) were not the program's, and nothing said so.
 */
export const seccompDeniedCase = {
  name: 'seccomp_denied: a program whose seccomp filter denies the system calls that drain the ring runs to its end, and its figures are not given',
  program: 'seccomp_denied',
  modes: ['strict', 'pids', 'ioctl'],
  stdout: 'seccomp_denied: done\n',
  error: (program: string) =>
    `pmm: the hook stopped recording in ${program} before it ended: it could not hand its records to pmm.ko (a seccomp filter of the program's that denies ioctl and msync does that; so would a stray write over the ring's header), so what it allocated is not known`,
};

/**
 * ring_overwrite: a wild write over the hook's record ring (all 0xff bytes; or zeros once pmm.ko has
 * applied some, which puts the head behind pmm.ko's tail; or zeros over the one entry of a block it
 * keeps, which in the ring's first lap looks like an entry still being written), then 100,000
 * allocations and frees. Before, nothing of the ring was drained from then on, and the hook waited for
 * ever on it: the run ended only by its timeout, and then said "no leaks" (in host mode, "zeros" said
 * "no leaks" at once: the drains wrote over the records file's start). pmm.ko, or in host mode the
 * hook's drain and the reader, refuses such a ring, and the run is an error; "entry" is found by the
 * hook once it has waited 10 s (PMM_RING_STALL_SECONDS) on that entry.
 */
export const ringOverwriteCase = {
  name: "ring_overwrite: a program that writes over the hook's record ring ends, and the run is an error that says so",
  program: 'ring_overwrite',
  modes: ['ones', 'zeros', 'entry'] as const,
  stdout: 'ring_overwrite: done\n',
  error: (program: string) =>
    `pmm: the hook stopped recording in ${program} before it ended: the hook's record ring was found in a state that no writer leaves (an entry no writer makes, or one that the hook waited on for 10 s and was never written): the program wrote over it (a stray write, a memset or an overflow into the ring's mapping, where the program's own memory is not), or one of its threads left a record unfinished (cancelled asynchronously, PTHREAD_CANCEL_ASYNCHRONOUS, or left by a longjmp out of a signal handler, while it allocated or freed), and pmm.ko applied nothing more of it, so what it allocated is not known`,
  hostErrors: {
    ones: "ring file without the host ring's mark (0xffffffff), which the hook never leaves: the program wrote over its record ring",
    zeros: "ring file without the host ring's mark (0x0), which the hook never leaves: the program wrote over its record ring",
    entry: 'the hook found its ring in a state that no writer leaves (an entry no writer makes, or a record it waited on for 10 s that never came): the program wrote over its record ring (a stray write, a memset or an overflow into the ring\'s mapping), or one of its threads left a record unfinished (cancelled asynchronously',
  },
};

/**
 * exec_unhooked: an exec() into a statically linked program, which the hook cannot enter. The program's
 * own exec makes the run an error (what it allocated after it was not seen); a forked child's is said in
 * the child's entry, whose blocks from before the exec are no leak, also when a thread other than the
 * child's first made the exec; an exec that fails changes nothing.
 */
export const execUnhookedCase = {
  name: 'exec_unhooked: an exec() into a program the hook cannot enter is said, never passed as leak-free',
  program: 'exec_unhooked',
  staticImage: programBin('exec_unhooked_static'),
  /** The same program with an allocator of its own (malloc and free defined in it): the hook stays out of it. */
  ownImage: programBin('exec_unhooked_own'),
  /** The error of a run whose own process exec()ed image: named, with what its file says. */
  selfError: (program: string, image: string) => `pmm: ${program} exec()ed ${image}, which the hook cannot enter (it `,
  /** The end of that error when the image then crashed: said too (before, only the exit status 3 was). */
  selfCrashEnd: ', so what it allocated after that exec was not seen; it crashed with SIGSEGV',
  /**
   * The ways a child comes to run the image: fork then exec (from the child's first thread or another),
   * vfork then exec, posix_spawn, and system()'s shell. A vfork or spawned child ran none of the hook's
   * code before its exec; it used to go unreported.
   */
  childModes: ['child', 'thread', 'vfork', 'spawn', 'system'],
  childStdout: 'exec_unhooked: static image\nexec_unhooked: done\n',
  failedStdout: 'exec_unhooked: exec failed\n',
  leaks: ['33/1 malloc leak_before_exec<main'],
};

/** A run's unhooked children: the file each ran, and what it leaked (nothing it allocated was seen). */
export function unhookedChildren(result: { children?: Array<{ unhooked: boolean; program: string | null; summary: LeakSummary }> }): Array<[string | null, LeakSummary]> {
  return (result.children ?? []).filter((k) => k.unhooked).map((k) => [k.program, k.summary]);
}

/**
 * A shell whose children end in six ways: killed_midway dies of SIGSEGV, of abort() (SIGABRT, which Node
 * also calls SIGIOT) and of a real-time signal, a shell exits 7, a shell execs leak_three (which exits 7),
 * /bin/true exits 0. pmm.ko sees each exit in the VM; on the host the shell, which has the hook, marks each
 * child it reaps.
 */
export const childEndingsCase = {
  name: "a forked child's entry says how it ended: its exit status, or the signal that killed it",
  script: `${['segv', 'abort', 'rtsig'].map((how) => `${programBin('killed_midway')} ${how}`).join('; ')}; sh -c 'exit 7'; sh -c 'exec ${programBin('leak_three')}'; /bin/true; exit 3`,
  exitCode: 3,
  endings: [
    [null, 'SIGSEGV'],
    [null, 'SIGABRT'],
    [null, 'SIGRTMIN+1'],
    [7, null],
    [7, null], // leak_three's own status
    [0, null],
  ],
};

/**
 * system_endings: the hook's system() (pmm_system.c) behaves as the C library's, which the output shows
 * (the same as a run without the hook), and each shell it and popen() ran has its ending, a signal too:
 * on the host the hook reaps system()'s shell where it can mark how it ended, which the C library's
 * system() did not let it, and learns popen()'s shell's pid to mark what pclose() returns. A thread
 * cancelled in system() leaves its shell killed and reaped, and SIGINT's handler back.
 */
export const systemEndingsCase = {
  name: "system_endings: system() behaves as the C library's, and each shell it and popen() ran says how it ended, killed or crashed too",
  program: 'system_endings',
  stdout: [
    'shell available: yes',
    'kill -INT $PPID; exit 4: exit 4',
    'interrupts during system(): 0',
    'kill -INT $$: signal Interrupt',
    'exec --crash: signal Segmentation fault',
    'interrupts after: 1',
    'read: from the pipe',
    'popen exec --crash: signal Segmentation fault',
    'cancelled in system(): yes',
    'children left: none',
    'interrupt handler back: yes',
    '',
  ].join('\n'),
  expected: {
    exitCode: 0,
    summary: { bytes: 10, blocks: 1 },
    leaks: ['10/1 malloc main<__libc_start_call_main'],
    endings: [
      [0, null],
      [4, null],
      [null, 'SIGINT'],
      [null, 'SIGSEGV'],
      [null, 'SIGSEGV'],
      [null, 'SIGKILL'], // the shell of the cancelled system()
    ],
    // system()'s and popen()'s shell that exec()ed the program with --crash.
    crashedLeaks: [['66/1 malloc main<__libc_start_call_main'], ['66/1 malloc main<__libc_start_call_main']],
  },
};

type Leaking = { leaks: Parameters<typeof describeLeaks>[0]; summary: { bytes: number; blocks: number } };

/** A run of system_endings as systemEndingsCase.expected gives it (stdout apart). */
export function describeSystemEndings(result: Leaking & { exitCode: number | null; children?: Array<Leaking & { exitCode: number | null; signal: string | null }> }): unknown {
  const children = result.children ?? [];
  return {
    exitCode: result.exitCode,
    summary: result.summary,
    leaks: describeLeaks(result.leaks),
    endings: children.map((child) => [child.exitCode, child.signal]),
    crashedLeaks: children.filter((child) => child.signal === 'SIGSEGV').map((child) => describeLeaks(child.leaks)),
  };
}

/**
 * pid_reuse: two children get the same pid (the second by clone3 with set_tid, as root), one leaking
 * 11 bytes and exiting with 5, the other leaking 2 x 22 bytes and dying of SIGTERM: two entries, each
 * with its own leaks and ending, in the order they ran.
 */
export const pidReuseCase = {
  name: 'pid_reuse: two children of one run with the same pid are two entries, neither losing its leaks or its ending',
  program: 'pid_reuse',
  children: [
    [11, 1, 5, null],
    [44, 2, null, 'SIGTERM'],
  ],
};

/** Each child as [bytes, blocks, exitCode, signal], and that all had one pid. */
export function describePidReuse(children: Array<{ pid: number; summary: { bytes: number; blocks: number }; exitCode: number | null; signal: string | null }>, stdout: string): unknown {
  return {
    samePid: children.every((c) => stdout === `pid_reuse: both children had pid ${c.pid}\n`),
    children: children.map((c) => [c.summary.bytes, c.summary.blocks, c.exitCode, c.signal]),
  };
}

/** outlived: a child still running when the program exits is ended, and what it recorded until then reported. */
export const outlivedCase = {
  name: 'outlived: a child still running when the program exits is killed, its leaks reported',
  program: 'outlived',
  stdout: 'outlived: done\n',
  leak: { bytes: 10, blocks: 1 },
  leaks: ['10/1 malloc leak<main'],
  children: ['99/3 malloc leak<main'],
  childPrograms: ['outlived'],
};

/**
 * pid_namespace: the program runs its children in a pid namespace of their own, as a sandbox does (needs
 * root). The first leaks 100 bytes and exits 5; its child leaks 7 and dies of SIGUSR1, reaped in there by
 * its pid in there; it spawns a program the hook cannot enter. Each child is listed once, by the pid the
 * run knows it by, with how it ended: host mode named the first by its pid in there (1), listed it again
 * under the pid its parent reaped, and its child and spawn by theirs (2 and 3). outlive: the first child
 * is still running when the program ends, and the run ends it (host mode could not find it to).
 */
export const pidNamespaceCase = {
  name: 'pid_namespace: children in a pid namespace of their own are each listed once, by the pid the run knows, with how they ended',
  program: 'pid_namespace',
  args: (outlive: boolean): string[] => [programBin('exec_unhooked_static'), ...(outlive ? ['outlive'] : [])],
  stdout: (outlive: boolean): string => `exec_unhooked: static image\npid_namespace: ${outlive ? 'left running' : 'done'}\n`,
  /** describeNamespaceChildren's answer. */
  children: (outlive: boolean): string[] => [
    'exec_unhooked_static status 0 0/0 unhooked',
    'pid_namespace SIGUSR1 7/1',
    outlive ? 'pid_namespace SIGKILL by the run 100/1' : 'pid_namespace status 5 100/1',
  ].sort(),
  /**
   * util-linux's unshare, which mounts a /proc of the namespace's own before it exec()s leak_three: that
   * image finds only its pid in there (1). Host mode listed it as pid 1 with its blocks, and again as an
   * unhooked child ("exec()ed a program, and the hook never started in it") under the pid unshare reaped.
   */
  mountProc: {
    argv: ['/usr/bin/unshare', '--pid', '--fork', '--mount-proc', programBin('leak_three')],
    exitCode: 7,
    children: ['leak_three status 7 600/3'],
  },
  /**
   * Six such sandboxes at once, as a test suite's parallel jobs: each one's first process is pid 1 in
   * there, and several start within one clock tick. Host mode took them for one process (the same pid,
   * the same start time): they shared a ring, and a leak_three died of SIGBUS, or its blocks were
   * another's. Run three times, as the collision needs the same tick.
   */
  parallel: {
    argv: ['/bin/sh', '-c', `for i in 1 2 3 4 5 6; do /usr/bin/unshare --pid --fork --mount-proc ${programBin('leak_three')} & done; wait`],
    rounds: 3,
    children: [...Array(6).fill('leak_three status 7 600/3'), ...Array(6).fill('unshare status 7 0/0')],
  },
  /**
   * How a child in there ended, when only its parent's wait can say (a crash): one that the shell ran by
   * vfork, and one that a later image of its parent reaped (the shell exec()ed perl, whose wait takes any
   * child). Host mode lost both: a vfork child was never turned into the run's pid, and an exec()ed image
   * did not know the children its process had.
   */
  endings: [
    {
      argv: ['/usr/bin/unshare', '--pid', '--fork', '/bin/sh', '-c', `${programBin('killed_midway')} segv; exit 4`],
      exitCode: 4,
      children: ['dash status 4', 'killed_midway SIGSEGV'],
    },
    {
      argv: ['/usr/bin/unshare', '--pid', '--fork', '/bin/sh', '-c', `${programBin('killed_midway')} segv & exec /usr/bin/perl -e wait`],
      exitCode: 0,
      children: ['killed_midway SIGSEGV', 'perl status 0'],
    },
  ],
};

/** Each child as "file ending", sorted. */
export function describeEndings(children: Array<{ program: string | null; exitCode: number | null; signal: string | null }>): string[] {
  return children.map((child) => `${path.basename(child.program ?? '?')} ${child.signal ?? `status ${child.exitCode}`}`).sort();
}

/** Children named by a pid they have only in their namespace (1, 2 or 3), which none should be. */
export function innerPids(children: Array<{ pid: number }>): number[] {
  return children.map((child) => child.pid).filter((pid) => pid <= 3);
}

/** Each child as "file ending bytes/blocks", sorted; with " unhooked" for one the hook could not enter. */
export function describeNamespaceChildren(children: Array<{ program: string | null; exitCode: number | null; signal: string | null; endedByRun?: boolean; unhooked: boolean; summary: LeakSummary }>): string[] {
  return children.map((child) => {
    const ending = child.signal !== null ? `${child.signal}${child.endedByRun ? ' by the run' : ''}` : `status ${child.exitCode}`;
    return `${path.basename(child.program ?? '?')} ${ending} ${child.summary.bytes}/${child.summary.blocks}${child.unhooked ? ' unhooked' : ''}`;
  }).sort();
}

/**
 * address_limit: a program that lowers its address-space limit below what a ring of the hook's needs, then
 * forks and exec()s. Each then records without a ring (in the guest an ioctl per record, on the host a write).
 * Before, in the VM the exec-ed image was taken for one the hook cannot enter, its leaks dropped; on the host
 * that image was too, and the child's ring file was taken for one the program wrote over.
 */
export const addressLimitCase = {
  name: 'address_limit: a child and an exec-ed image with no room for the hook\'s ring are recorded whole',
  program: 'address_limit',
  stdout: 'address_limit: done\n',
  leak: { bytes: 24, blocks: 1 },
  leaks: ['24/1 malloc leak_after_exec<main'],
  children: ['20/1 malloc leak_in_child<main'],
  childPrograms: ['address_limit'],
};

/**
 * static_forker: a shell runs a statically linked program (no hook), which forks a child that sleeps for a
 * minute and leaves it running. No hooked process forked that child, and the run has no record of it; it
 * must not outlive the run all the same (on the host it did, and held the run's output for two seconds).
 */
export const strayCase = {
  name: 'static_forker: what a child without the hook leaves running does not outlive the run',
  program: '/bin/sh',
  args: ['-c', `${programBin('static_forker')}; echo done`],
  /** The left child's pid, from the program's stdout. */
  strayPid: (stdout: string): number => {
    const said = /^static_forker: child (\d+)\ndone\n$/.exec(stdout);
    if (!said) throw new Error(`static_forker said: ${JSON.stringify(stdout)}`);
    return Number(said[1]);
  },
};

/**
 * detached: the parent leaves its child at once, returning from main after fork() or by daemon(). The
 * child is the run's all the same: its one child, running the program, killed when the program ends,
 * with the 77-byte block it leaks if it got that far (on the guest's one CPU it seldom has). Before the
 * parent named the child to pmm.ko at the fork, the child was missing from the run in two VM runs of
 * three after a fork, and left running in the guest: hence a few runs of each.
 */
export const detachedCase = {
  name: "detached: a child its parent leaves at once (fork and return, daemon()) is the run's, ended with it",
  program: 'detached',
  modes: ['fork', 'daemon'],
  runs: 3,
  // "(pmm)": pmm ended it (endedByRun), which the report says.
  expected: ['detached SIGKILL (pmm)', 'detached SIGKILL (pmm) 77/1 malloc leak<main'],
};

/**
 * detached killed: the parent kills its child (SIGKILL) once the child has leaked, waits until it is dead,
 * leaves it unreaped and returns. The child ended by its parent's signal, not by the run: in the VM pmd,
 * the guest's pid 1, inherits it as a zombie, and once took the zombie for a process still running.
 */
export const killedChildCase = {
  name: 'detached: a child its parent killed and left unreaped is killed by that SIGKILL, not ended by the run',
  program: 'detached',
  args: ['killed'],
  expected: ['detached SIGKILL 77/1 malloc leak<kill_child'],
};

/**
 * detached stay: parent and child both run on, and the run's timeout ends them. The child, running when pmm
 * killed the program's group, is ended by the run as one left at the program's exit is. In the VM it is so
 * only when it has not died of that kill by the time pmd sees the program gone (pmd does not look before the
 * kill: see pmd/run.c), so there only the child its parent killed before is checked.
 */
export const timedOutChildCase = {
  name: 'detached: a child still running at the run\'s timeout is ended by the run, with the program',
  program: 'detached',
  args: ['stay'],
  timeoutMs: 3000,
  expected: ['detached SIGKILL (pmm) 77/1 malloc leak<main'],
  // killed-stay: the child its parent killed before the timeout, left unreaped, is not the run's to have ended.
  killedArgs: ['killed-stay'],
  killedExpected: ['detached SIGKILL 77/1 malloc leak<kill_child'],
};

/** Each child of a detached run as "program signal" ("(pmm)" after one pmm ended) and its leaks (describeLeaks). */
export function describeDetached(children: Array<{ program: string | null; signal: string | null; exitCode: number | null; endedByRun?: boolean } & Pick<ChildLike, 'leaks'>>): string[] {
  return children.map((c) => [
    c.program === null ? 'null' : path.basename(c.program),
    (c.signal ?? `status ${c.exitCode}`) + (c.endedByRun ? ' (pmm)' : ''),
    ...describeLeaks(c.leaks),
  ].join(' '));
}

/** The files the children ran (ChildResult.program), each once, sorted: the program by its name, the shell as /bin/sh. */
export function describeChildPrograms(children: Array<{ program: string | null }>, program: string): string[] {
  const shell = fs.realpathSync('/bin/sh');
  const names = children.map((c) => (c.program === program ? path.basename(program) : c.program === shell ? '/bin/sh' : String(c.program)));
  return [...new Set(names)].sort();
}

type ChildLike = { summary: { bytes: number; blocks: number }; mismatchedFrees: number; leaks: Parameters<typeof describeLeaks>[0] };

/**
 * Each child as its leaks (describeLeaks, joined) when they lie in program, and as "shell" when they all
 * lie in the shell or libc (or it leaked nothing); " +N mismatches" when it made any. Sorted.
 */
export function describeChildren(children: ChildLike[], program: string): string[] {
  return children
    .map((c) => {
      const ours = c.leaks.some((l) => l.frames[0]?.object === program);
      const shell = c.leaks.every((l) => /\/(dash|bash|sh)$|libc\.so/.test(l.frames[0]?.object ?? ''));
      const what = ours ? describeLeaks(c.leaks).join(', ') : shell ? 'shell' : `other: ${describeLeaks(c.leaks).join(', ')}`;
      return c.mismatchedFrees > 0 ? `${what} +${c.mismatchedFrees} mismatches` : what;
    })
    .sort();
}

export function describeLeaks(leaks: Array<{ bytes: number; blocks: number; kinds: string[]; frames: Array<{ function: string | null; object?: string | null }> }>): string[] {
  return leaks.map((l) => `${l.bytes}/${l.blocks} ${l.kinds.join(',')} ${l.frames[0]?.function}<${l.frames[1]?.function ?? ''}`).sort();
}

type Site = { function: string | null; line: number | null };

/** Each mismatch as "new[] 40 at fn:line<caller:line by delete at fn:line<caller:line", "-" for no stack; "xN" when seen N times. */
export function describeMismatches(
  mismatches: Array<{ allocation: { kind: string; size: number; frames: Site[] }; release: { kind: string; frames: Site[] }; count: number }>,
): string[] {
  const where = (frames: Site[]): string => (frames.length === 0 ? '-' : frames.slice(0, 2).map((f) => `${f.function}:${f.line}`).join('<'));
  return mismatches.map(
    (m) =>
      `${m.allocation.kind} ${m.allocation.size} at ${where(m.allocation.frames)} by ${m.release.kind} at ${where(m.release.frames)}` +
      (m.count > 1 ? ` x${m.count}` : ''),
  );
}

/**
 * Whether the tests run as root, as CI does: only root may give a file away (setuidCopy), choose a
 * child's pid (pid_reuse) or mount a file system. Without it those tests are skipped, with a warning.
 */
export const runsAsRoot = process.getuid?.() === 0;

/**
 * Whether users other than the owner may reach the files in dir: it and every folder above it
 * searchable by all. A program that gives up root (dropUserCase) loads the hook and runs its own file
 * again as nobody, which a checkout in a private folder (root's home) does not let it.
 */
export function searchableByAll(dir: string): boolean {
  for (; ; dir = path.dirname(dir)) {
    if ((fs.statSync(dir).mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

/** Whether drop_user can run here: as root, from a checkout that nobody can reach. */
export const dropUserRuns = runsAsRoot && searchableByAll(path.join(__dirname, '..'));

/**
 * drop_user: run as root, the program becomes nobody, forks a child that leaks and exec()s itself,
 * whose image leaks. Both are recorded as under root: in host mode the record folder and its files let
 * the new user write (before, the child wrote nothing and was not said at all, and the exec was called
 * one into a program the hook cannot enter). Runs where dropUserRuns.
 */
export const dropUserCase = {
  name: 'drop_user: a program that gives up root and goes on, forking and exec()ing, is recorded whole',
  program: 'drop_user',
  stdout: 'drop_user: image of uid 65534\n',
  leak: { bytes: 44, blocks: 1 },
  leaks: ['44/1 malloc leak<main'],
  children: ['30/1 malloc leak<main'],
  childPrograms: ['drop_user'],
};

/**
 * A copy of a test program that runs set-user-ID nobody, for which the loader ignores LD_PRELOAD: the hook
 * cannot start in it. Needs root (runsAsRoot). In /tmp, which the guest shares.
 */
export function setuidCopy(name: string): { file: string; remove: () => void } {
  const dir = fs.mkdtempSync('/tmp/pmm-setuid-');
  const file = path.join(dir, name);
  fs.copyFileSync(programBin(name), file);
  fs.chmodSync(dir, 0o755);
  fs.chownSync(file, 65534, 65534);
  fs.chmodSync(file, 0o4755);
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * realloc_prev: three blocks left by realloc, moved from a block long applied, moved from one still in
 * the ring, and resized in place; it prints the three old blocks' addresses. pmm's log names each as the
 * realloc's Prev Pointer (pmm_record.c; it said 0x0 for all three), and each old block was released once.
 */
export const reallocPrevCase = {
  program: 'realloc_prev',
  /** The old blocks as the program printed them, and as the log's REALLOC lines name them, in order. */
  prevPointers(stdout: string, report: string): { printed: string[]; logged: string[] } {
    const printed = /^realloc_prev: (\S+) (\S+) (\S+)$/m.exec(stdout)?.slice(1) ?? [];
    const logged = [...report.matchAll(/^\{REALLOC @[\d:]+\} Sz: \d+B Prev Pointer: (0x[0-9a-f]+) /gm)].map((m) => m[1]);
    return { printed, logged };
  },
  summary: 'pmm: 300040 bytes in 3 blocks leaked, from 3 stacks\n',
};

/** Every byte value, in more than a pipe holds (64 KiB), the last base64 group padded. */
const inputBytes = Buffer.from(Array.from({ length: 300_001 }, (_, i) => (i * 131 + (i >> 8)) & 0xff));

/** data in pieces of size bytes, as a stream gives them: more than the window pmm reads ahead (256 KiB). */
function piecesOf(data: Buffer, size: number): Buffer[] {
  return Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size));
}

/** A stream that never ends, as `yes` is: what it gave is counted, to show that pmm stopped reading it. */
export class EndlessInput extends Readable {
  given = 0;

  _read(): void {
    this.given += 65536;
    this.push(Buffer.alloc(65536, 'y\n'));
  }
}

/**
 * The input run option: what the program reads as stdin, the same in both modes; a stream (made afresh for
 * each run) is read as the program reads it. Programs that free all they allocate, so that a leak cannot
 * fail the VM's test.
 */
export const inputCases: Array<{ name: string; argv: string[]; input?: string | Uint8Array | (() => Readable); stdout: string }> = [
  {
    name: 'a stream, every byte, in pieces of all sizes',
    argv: ['/usr/bin/sha256sum'],
    input: () => Readable.from([...piecesOf(inputBytes, 7), ...piecesOf(Buffer.concat(Array(4).fill(inputBytes)), 100_003)]),
    stdout: `${createHash('sha256').update(Buffer.concat(Array(5).fill(inputBytes))).digest('hex')}  -\n`,
  },
  { name: 'a stream of strings', argv: ['/bin/cat'], input: () => Readable.from(['héllo\n', 'wörld\n']), stdout: 'héllo\nwörld\n' },
  { name: 'a stream that never ends, to a program that reads 5 bytes', argv: ['/usr/bin/head', '-c', '5'], input: () => new EndlessInput(), stdout: 'y\ny\ny' },
  { name: 'a stream that never ends, to a program that reads none of it', argv: ['/bin/echo', 'done'], input: () => new EndlessInput(), stdout: 'done\n' },
  { name: 'an empty stream', argv: ['/usr/bin/wc', '-c'], input: () => Readable.from([]), stdout: '0\n' },
  {
    name: 'every byte of a binary input',
    argv: ['/usr/bin/sha256sum'],
    input: new Uint8Array(inputBytes),
    stdout: `${createHash('sha256').update(inputBytes).digest('hex')}  -\n`,
  },
  { name: 'a text input', argv: ['/bin/cat'], input: 'héllo\nwörld\n', stdout: 'héllo\nwörld\n' },
  { name: 'a program that reads 5 bytes of 1 MiB', argv: ['/usr/bin/head', '-c', '5'], input: 'a'.repeat(1 << 20), stdout: 'aaaaa' },
  { name: 'an empty input', argv: ['/usr/bin/wc', '-c'], input: '', stdout: '0\n' },
  { name: 'no input: /dev/null', argv: ['/usr/bin/readlink', '/proc/self/fd/0'], stdout: '/dev/null\n' },
];

/**
 * bad_input frees one block it allocated with hooks_active off (a "foreign" free): one unmatched free, where
 * a clean program has none (the hook's own blocks, which the C library frees at exit, are not counted).
 */
export const unmatchedFreeCase = { program: 'bad_input', clean: path.join(__dirname, '..', '..', 'fixtures', 'bin', 'clean_exit') };

/**
 * Output that is not UTF-8: with the binary run option the result has its exact bytes, stdoutBytes and
 * stderrBytes; stdout and stderr are UTF-8 text, with U+FFFD where the bytes are not.
 */
export const binaryOutputCase = {
  name: 'binary: the exact bytes of the output with the binary option; without it, text only',
  argv: ['/bin/sh', '-c', "printf '\\377\\376\\000\\200'; printf '\\351' >&2"],
  stdout: Buffer.from([0xff, 0xfe, 0x00, 0x80]),
  stderr: Buffer.from([0xe9]),
};

/**
 * Programs that start through an interpreter, made in a folder of /tmp (which the guest shares): one
 * whose #! line names a missing interpreter cannot start, in pmm's words, the same in both modes (the
 * VM said pmd's `execve PROG: No such file or directory`, though the file is there); an executable
 * text file without a #! line runs through /bin/sh with its arguments, as execvp runs it (the VM said
 * `Exec format error`). A cwd that is not a directory is refused before the run (the VM said pmd's
 * `chdir DIR: ...`, host mode Node's `spawn ... ENOENT`).
 */
export const startCase = {
  name: 'starting: a missing #! interpreter or cwd is a pmm error worded alike in both modes; a script without #! runs through /bin/sh',
  make(dir: string): { badInterpreter: string; noShebang: string } {
    const badInterpreter = path.join(dir, 'badinterp.sh');
    const noShebang = path.join(dir, 'noshebang');
    fs.writeFileSync(badInterpreter, '#!/nonexistent/python9\nprint(1)\n', { mode: 0o755 });
    fs.writeFileSync(noShebang, 'echo "no-shebang $#:$1"\n', { mode: 0o755 });
    return { badInterpreter, noShebang };
  },
  refusal: (script: string): string => `pmm: cannot start ${script}: the interpreter its #! line names, /nonexistent/python9, does not exist`,
  args: ['a b'],
  stdout: 'no-shebang 1:a b\n',
  /** A cwd that is missing, or a file: each refused on the host before the run, naming the option. */
  cwdRefusals: (dir: string): Array<[string, string]> => [
    [path.join(dir, 'nope'), `pmm: option "cwd": ${path.join(dir, 'nope')} does not exist`],
    [path.join(dir, 'noshebang'), `pmm: option "cwd": ${path.join(dir, 'noshebang')} is not a directory`],
  ],
};
