// Runs the test programs under libpmm.so in host mode (no VM, no /dev/pmm) and checks what the hook
// records: the exact leaks, their stacks against the object map, and that programs behave as without it.
import { execFileSync, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { closedTimes } from '../../symbolizer/closedObjects';
import { findObject, loadBase, MappedObject, parseObjectMap } from '../../symbolizer/objectMap';
import { readProcessRecords, readRecordDir, recordDirEntries } from '../host/recordDir';
import { decodeRecords, PmmKindName, PmmRecord, replayRecords } from '../host/recordStream';
import { execEnvModeCount, runsAsRoot } from './cases';

const hooklibDir = path.resolve(__dirname, '..');
const hookPath = path.join(hooklibDir, 'libpmm.so');
const programDir = path.join(hooklibDir, '__tests__', 'programs', 'bin');

interface ProgramRun {
  program: string; // real path, as the object map names it
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  records: PmmRecord[]; // the program's own process's allocations and releases
  marks: string[]; // and its host-mode marks (exec calls, exit status): "exit 0"
  recordBytes: number;
  maps: MappedObject[] | null; // null when the hook wrote no object map
  /** The other processes that wrote into the record directory (forks, what they exec-ed), in pid order. */
  others: Array<{ pid: number; records: PmmRecord[]; marks: string[]; maps: MappedObject[] | null }>;
  startNs: bigint;
  endNs: bigint;
}

interface RunOptions {
  hook?: boolean; // default true
  /** Where the hook writes: PMM_RECORD_DIR (the default), PMM_RECORD_FD=3 with PMM_MAPS_FILE, or neither. */
  sink?: 'dir' | 'fd' | 'none';
  env?: Record<string, string>;
  args?: string[];
}

/** Host mode's marks (hooklib/pmm_host_ring.h), apart from the events these tests look at. */
const markKinds = new Set<PmmRecord['kind']>(['exec', 'exec-try', 'exec-failed', 'exit', 'reaped']);

function splitMarks(all: PmmRecord[]): { records: PmmRecord[]; marks: string[] } {
  return {
    records: all.filter((r) => !markKinds.has(r.kind)),
    marks: all.filter((r) => markKinds.has(r.kind)).map((r) => {
      if (r.kind === 'exit') return `exit ${r.size}`;
      if (r.kind === 'reaped') return `reaped ${r.size & 0xffffn}`; // the wait status; pids vary
      return r.kind;
    }),
  };
}

/** The environment without anything of ours that the outer shell may carry. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key === 'LD_PRELOAD' || key.startsWith('PMM_')) delete env[key];
  }
  return env;
}

function runProgram(name: string, options: RunOptions = {}): ProgramRun {
  const program = fs.realpathSync(path.join(programDir, name));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-hook-'));
  const sink = options.sink ?? 'dir';
  // The fd mode's stream; O_APPEND: every record is one write(2), appended whole, whichever thread writes it.
  const streamPath = path.join(dir, 'stream');
  const mapsPath = path.join(dir, 'maps');
  const recordFd = fs.openSync(streamPath, 'a');
  try {
    const env = cleanEnv();
    // The exit-time freeres frees memory allocated before the hook was recording, which would show as
    // unmatched frees here; these tests check recording itself, and one test below checks the freeres.
    env.PMM_LIBC_FREERES = '0';
    if (options.hook ?? true) {
      env.LD_PRELOAD = hookPath;
      if (sink === 'dir') env.PMM_RECORD_DIR = dir;
      if (sink === 'fd') {
        env.PMM_RECORD_FD = '3';
        env.PMM_MAPS_FILE = mapsPath;
      }
    }
    Object.assign(env, options.env);
    const startNs = BigInt(Date.now()) * 1_000_000n;
    const result = spawnSync(program, options.args ?? [], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', recordFd],
      encoding: 'utf8',
      timeout: 60_000,
    });
    const endNs = BigInt(Date.now()) * 1_000_000n;
    if (result.error) throw result.error;
    const readMaps = (file: string) => (fs.existsSync(file) ? parseWholeMap(fs.readFileSync(file, 'utf8')) : null);
    const readRecords = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0));
    const bytes = sink === 'dir' ? readProcessRecords(dir, `${result.pid}`) : readRecords(streamPath);
    return {
      program,
      status: result.status,
      signal: result.signal,
      stdout: result.stdout,
      stderr: result.stderr,
      ...splitMarks(decodeRecords(bytes)),
      recordBytes: bytes.length,
      maps: readMaps(sink === 'dir' ? path.join(dir, `${result.pid}.maps`) : mapsPath),
      others: recordDirEntries(dir)
        .filter(({ name }) => name !== `${result.pid}`)
        .map(({ pid, name }) => ({ pid, ...splitMarks(decodeRecords(readProcessRecords(dir, name))), maps: readMaps(path.join(dir, `${name}.maps`)) })),
      startNs,
      endNs,
    };
  } finally {
    fs.closeSync(recordFd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The symbolizer's parser skips a line it cannot read (a map cut short must still symbolize); the map
 * the hook writes here must be whole, every line read but the "closed NS" before closed objects' lines
 * and the "recording off at start" of an image that started so.
 */
/** Kills pid and waits (up to 10 s) until it has exited: gone, or a zombie whose files are closed. */
function endProcess(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return; // gone already
  }
  const ended = () => {
    try {
      return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return true;
    }
  };
  for (let waited = 0; !ended() && waited < 10_000; waited += 10) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
}

function parseWholeMap(text: string): MappedObject[] {
  const objects = parseObjectMap(text);
  const lines = text.split('\n').filter((line) => line.trim() !== '' && !/^closed [1-9]\d*$/.test(line) && line !== 'recording off at start');
  if (objects.length !== lines.length) throw new Error(`object map: ${lines.length - objects.length} lines cannot be read`);
  return objects;
}

function mapsOf(run: ProgramRun): MappedObject[] {
  if (!run.maps) throw new Error(`${run.program}: the hook wrote no object map`);
  return run.maps;
}

/** The file that holds address, from the run's own object map. */
function objectAt(run: ProgramRun, address: bigint): string {
  return findObject(mapsOf(run), address)?.path ?? '<unmapped>';
}

/** Function names for return addresses in the program, by addr2line on the program's debug info. */
function functionsInProgram(run: ProgramRun, addresses: bigint[]): string[] {
  const holder = mapsOf(run).find((m) => m.path === run.program);
  if (holder === undefined) throw new Error(`${run.program} is not in its own object map`);
  const base = loadBase(mapsOf(run), holder);
  // A return address points after the call; the call itself is one byte earlier.
  const args = addresses.map((a) => `0x${(a - base - 1n).toString(16)}`);
  const lines = execFileSync('addr2line', ['-f', '-e', run.program, ...args], { encoding: 'utf8' }).split('\n');
  return addresses.map((_, i) => lines[2 * i]);
}

interface LeakView {
  kind: PmmKindName;
  size: number;
  function: string; // where frames[0] returns to
  caller: string; // where frames[1] returns to
}

/**
 * What the replay of a run leaves, beside what the program says it left ("N bytes in M blocks left", then,
 * when it says them, ", U frees ..." of blocks never seen allocated; else there must be none), each with the
 * run's status (said: 0).
 */
function replayAgainstStatement(run: ProgramRun, saysFrees: boolean) {
  const said = (saysFrees ? /(\d+) bytes in (\d+) blocks left, (\d+) frees/ : /(\d+) bytes in (\d+) blocks left/).exec(run.stdout);
  const replay = replayRecords(run.records);
  return {
    replayed: {
      status: run.status,
      bytes: replay.unmatched.reduce((sum, r) => sum + Number(r.size), 0),
      blocks: replay.unmatched.length,
      unmatchedFrees: replay.unmatchedFreeCount,
    },
    said: { status: 0, bytes: Number(said?.[1]), blocks: Number(said?.[2]), unmatchedFrees: saysFrees ? Number(said?.[3]) : 0 },
  };
}

/** The leaks whose allocation was called from the program's own code, described for comparison. */
function programLeaks(run: ProgramRun, leaks: PmmRecord[]): LeakView[] {
  const fromProgram = leaks.filter((r) => objectAt(run, r.frames[0]) === run.program);
  const names = functionsInProgram(run, fromProgram.flatMap((r) => [r.frames[0], r.frames[1]]));
  return fromProgram.map((r, i) => ({
    kind: r.kind,
    size: Number(r.size),
    function: names[2 * i],
    caller: names[2 * i + 1],
  }));
}

/**
 * Checks that hold for every record of every hooked run. Gathered into one list and asserted once:
 * an expect() per record is far too slow for the threads program's 350,000 records.
 */
function expectWellFormed(run: ProgramRun): void {
  const hookObject = fs.realpathSync(hookPath);
  const hookMappings = mapsOf(run).filter((m) => m.path === hookObject);
  const inHook = (f: bigint) => hookMappings.some((m) => f >= m.start && f < m.end);
  const problems: string[] = [];
  for (const r of run.records) {
    const wrong = (what: string) => problems.push(`record ${r.index} (${r.kind}): ${what}`);
    // A release that is recorded carries its stack too: a mismatched one is reported with it. A realloc
    // that moved its block records the old one's release so (ptr and size 0), and the new block apart.
    const movedAway = r.kind === 'realloc' && r.ptr === 0n && r.size === 0n && r.prevPtr !== 0n;
    const release = r.kind === 'free' || r.kind === 'delete' || r.kind === 'delete[]' || movedAway;
    if (r.frames.length < 2) wrong(`${r.frames.length} frames`);
    // The hook's own frames are skipped: the stack starts where the allocation was called.
    if (r.frames.some(inHook)) wrong('a frame in the hook');
    // A release carries no time either: nothing reads it, and the clock costs as much as a free under TCG.
    if (release ? r.timeNs !== 0n : r.timeNs < run.startNs - 1_000_000_000n || r.timeNs > run.endNs + 1_000_000_000n) wrong(`time ${r.timeNs}`);
    if (release && r.size !== 0n) wrong(`size ${r.size}`);
    if (r.kind !== 'realloc' && r.prevPtr !== 0n) wrong(`prev_ptr ${r.prevPtr}`);
    if (r.ptr === 0n && !movedAway) wrong('NULL ptr');
  }
  expect(problems.slice(0, 10)).toEqual([]);
}

const programs = ['stdio_buffer', 'leak_three', 'threads', 'libc_callers', 'edge_cases', 'double_free', 'hooks_switch', 'fork_exec', 'cxx_operators'];

beforeAll(() => {
  // Host mode is what is tested here; with the module present the hook would talk to it instead.
  if (fs.existsSync('/dev/pmm')) throw new Error('/dev/pmm exists: these host-mode tests need a machine without pmm.ko');
  execFileSync('make', ['-C', hooklibDir, 'all', 'test-programs'], { stdio: 'pipe' });
}, 120_000);

/**
 * PMM_RECORD_DIR's ring lets a free cancel its block's allocation in place, so neither is written: what
 * it leaves is the outcome. PMM_RECORD_FD writes every event, for the tests that look at each one.
 */
const everyEvent: RunOptions = { sink: 'fd' };

describe('libpmm.so in host mode', () => {
  it.each([['the ring (PMM_RECORD_DIR)', {}], ['every event (PMM_RECORD_FD)', everyEvent]] as Array<[string, RunOptions]>)(
    'records exactly the three leaks of leak_three, each at its allocating function: %s',
    (_sink, options) => {
      const run = runProgram('leak_three', options);
      expectWellFormed(run);
      const { unmatched, unmatchedFrees } = replayRecords(run.records);
      expect(unmatchedFrees).toEqual([]);
      expect(unmatched).toHaveLength(3);
      expect(unmatched.reduce((sum, r) => sum + r.size, 0n)).toBe(600n);
      expect(programLeaks(run, unmatched)).toEqual([
        { kind: 'malloc', size: 100, function: 'leak_malloc', caller: 'main' },
        { kind: 'calloc', size: 200, function: 'leak_calloc', caller: 'main' },
        { kind: 'realloc', size: 300, function: 'leak_realloc', caller: 'main' },
      ]);
    },
  );

  it('writes each event to PMM_RECORD_FD, and to PMM_RECORD_DIR only what frees did not cancel', () => {
    // 2 x churn (32 malloc, 32 realloc, 32 free, calloc, free) + the leaks' 4 records.
    expect(runProgram('leak_three', everyEvent).records).toHaveLength(2 * (32 * 3 + 2) + 4);
    // In the ring a churned block's free cancels its allocation (the realloc stood for the malloc), unless
    // another block took its slot in the thread's table of recent allocations: a few pairs are left.
    // The leaks are all there, the realloc naming its old block for the log only (PMM_PREV_SHOWN_ONLY):
    // that block's allocation, cancelled in the ring, needs no release.
    const kept = runProgram('leak_three').records.map((r) => `${r.kind} ${r.size} ${r.prevPtr > 1n ? 'named' : r.prevPtr} ${r.prevPtr & 1n}`);
    expect(kept.length).toBeLessThan(20);
    expect(kept.slice(-3)).toEqual(['malloc 100 0 0', 'calloc 200 0 0', 'realloc 300 named 1']);
  });

  it.each(programs)('leaves the output and exit status of %s unchanged', (name) => {
    const plain = runProgram(name, { hook: false });
    const hooked = runProgram(name);
    expect({ status: hooked.status, signal: hooked.signal, stdout: hooked.stdout, stderr: hooked.stderr }).toEqual({
      status: plain.status,
      signal: plain.signal,
      stdout: plain.stdout,
      stderr: plain.stderr,
    });
    expect(hooked.stdout).toMatch(new RegExp(`^${name}: `));
  });

  it.each([['the ring (PMM_RECORD_DIR)', {}], ['every event (PMM_RECORD_FD)', everyEvent]] as Array<[string, RunOptions]>)(
    'matches frees across 8 threads: each thread leaks its one block, nothing else of the program is left: %s',
    (_sink, options) => {
    const run = runProgram('threads', options);
    expect(run.status).toBe(0);
    expectWellFormed(run);
    const { unmatched, unmatchedFrees } = replayRecords(run.records);
    expect(unmatchedFrees).toEqual([]);
    const fromProgram = programLeaks(run, unmatched);
    expect(fromProgram.map((l) => l.size).sort((a, b) => a - b)).toEqual([64, 128, 192, 256, 320, 384, 448, 512]);
    for (const leak of fromProgram) expect(leak).toMatchObject({ kind: 'malloc', function: 'leak_in_thread', caller: 'churn' });
    // The rest is glibc's: ld.so callocs each new thread's TLS vector (DTV) and keeps it with the
    // cached thread stack, never freed while the process lives. How many depends on stack reuse.
    const others = unmatched.filter((r) => objectAt(run, r.frames[0]) !== run.program);
    for (const r of others) {
      expect(r.kind).toBe('calloc');
      expect(path.basename(objectAt(run, r.frames[0]))).toMatch(/^ld-linux/);
    }
    expect(others.length).toBeLessThanOrEqual(8);
    // Every allocation of the 8 x 20000 rounds was recorded (calloc or malloc, plus every 5th realloc).
    if (options.sink === 'fd') {
      expect(run.records.filter((r) => r.kind !== 'free' && r.kind !== 'realloc').length).toBeGreaterThanOrEqual(8 * 20000);
    }
    },
  );

  it('records libc callers and the aligned allocators with the block they returned', () => {
    const run = runProgram('libc_callers');
    expectWellFormed(run);
    const { unmatched, unmatchedFrees } = replayRecords(run.records);
    expect(unmatchedFrees).toEqual([]);
    // strdup allocates inside libc: frames[0] is there, and its caller in the program is kept.
    const [strdupLeak, ...direct] = unmatched;
    expect(path.basename(objectAt(run, strdupLeak.frames[0]))).toMatch(/^libc\.so/);
    expect(functionsInProgram(run, [strdupLeak.frames[1], strdupLeak.frames[2]])).toEqual(['leak_strdup', 'main']);
    expect(strdupLeak).toMatchObject({ kind: 'malloc', size: 9n });
    expect(programLeaks(run, direct)).toEqual([
      // Each aligned allocator by its name, as valgrind's stacks name it (their suppressions start there).
      { kind: 'posix_memalign', size: 100, function: 'leak_posix_memalign', caller: 'main' },
      { kind: 'aligned_alloc', size: 512, function: 'leak_aligned_alloc', caller: 'main' },
      { kind: 'memalign', size: 40, function: 'leak_memalign', caller: 'main' },
      { kind: 'valloc', size: 1000, function: 'leak_valloc', caller: 'main' },
      { kind: 'pvalloc', size: 10, function: 'leak_pvalloc', caller: 'main' },
      { kind: 'realloc', size: 240, function: 'leak_reallocarray', caller: 'main' },
    ]);
    // The recorded pointer is the block returned: it has the alignment asked for.
    const alignments = [64n, 256n, 32n, 4096n, 4096n];
    direct.slice(0, 5).forEach((r, i) => expect(r.ptr % alignments[i]).toBe(0n));
  });

  it('records nothing for free(NULL) and failed allocations, and realloc(p, 0) as a free', () => {
    const run = runProgram('edge_cases', everyEvent);
    expect(run.status).toBe(0);
    expectWellFormed(run);
    expect(run.records.map((r) => `${r.kind} ${r.size}`)).toEqual([
      'malloc 48',
      'free 0', // realloc(p, 0)
      'malloc 0', // malloc(0) gives a block too
      'malloc 64', // realloc(NULL, 64) is a plain allocation
      'malloc 8',
      'free 0',
    ]);
    expect(run.records[1].ptr).toBe(run.records[0].ptr);
    const { unmatched, unmatchedFrees } = replayRecords(run.records);
    expect(unmatchedFrees).toEqual([]);
    expect(programLeaks(run, unmatched)).toEqual([
      { kind: 'malloc', size: 0, function: 'leak_malloc0', caller: 'main' },
      { kind: 'malloc', size: 64, function: 'leak_realloc_null', caller: 'main' },
    ]);
  });

  it('records both frees of a double free before glibc aborts', () => {
    const run = runProgram('double_free', everyEvent);
    expect(run.signal).toBe('SIGABRT');
    expectWellFormed(run);
    expect(run.records.map((r) => r.kind)).toEqual(['malloc', 'free', 'free']);
    const { unmatched, unmatchedFrees } = replayRecords(run.records);
    expect(unmatched).toEqual([]);
    expect(unmatchedFrees.map((r) => r.ptr)).toEqual([run.records[0].ptr]);
  });

  it("frees glibc's keep-until-exit memory at exit, as valgrind does, unless PMM_LIBC_FREERES=0", () => {
    const inUse = (run: ProgramRun): bigint[] => replayRecords(run.records).unmatched.map((r) => r.size);
    const kept = runProgram('stdio_buffer');
    // stdout is a pipe here: glibc gives it a buffer of the pipe's block size, and keeps it until exit.
    expect(inUse(kept)).toHaveLength(1);
    expect(objectAt(kept, replayRecords(kept.records).unmatched[0].frames[0])).toMatch(/libc\.so/);
    const freed = runProgram('stdio_buffer', { env: { PMM_LIBC_FREERES: '1' } });
    expect(freed.stdout).toBe(kept.stdout);
    expect(inUse(freed)).toEqual([]);
  });

  it("frees libstdc++'s pool at exit only where the program started with libstdc++, and frees nothing never allocated", () => {
    // The emergency exception pool: libstdc++'s one malloc (its operator new is not malloc), at its start.
    const outcome = (run: ProgramRun) => {
      const replay = replayRecords(run.records);
      const pool = replay.unmatched.some((r) => r.kind === 'malloc' && /libstdc\+\+/.test(objectAt(run, r.frames[0])));
      return { status: run.status, pool, unmatchedFrees: replay.unmatchedFreeCount };
    };
    // A program linked with libstdc++: its pool freed at exit.
    expect(outcome(runProgram('cxx_operators', { env: { PMM_LIBC_FREERES: '1' } }))).toEqual({ status: 0, pool: false, unmatchedFrees: 0 });
    // And still there without the exit-time freeres: what the line above shows is the freeres at work.
    expect(outcome(runProgram('cxx_operators'))).toEqual({ status: 0, pool: true, unmatchedFrees: 0 });
    // A C++ library opened with RTLD_LOCAL: its libstdc++ keeps the pool, as under valgrind. Looked up at
    // exit, out of the global scope, __gnu_cxx::__freeres was not found, and its error text made two frees
    // of blocks never seen allocated.
    expect(outcome(runProgram('cxx_plugin', { env: { PMM_LIBC_FREERES: '1' } }))).toEqual({ status: 0, pool: true, unmatchedFrees: 0 });
    // A static libstdc++, exported from the program's own file: its pool (the one block it leaves without
    // the freeres; stdout's buffer is libc's) freed at exit too. The hook looked only where a libstdc++.so
    // was loaded.
    const own = (run: ProgramRun) => {
      const replay = replayRecords(run.records);
      const left = replay.unmatched.filter((r) => objectAt(run, r.frames[0]) === run.program).map((r) => r.kind);
      return { status: run.status, left, unmatchedFrees: replay.unmatchedFreeCount };
    };
    for (const name of ['cxx_static', 'cxx_static_sysv']) {
      expect(own(runProgram(name, { env: { PMM_LIBC_FREERES: '1' } }))).toEqual({ status: 0, left: [], unmatchedFrees: 0 });
      expect(own(runProgram(name))).toEqual({ status: 0, left: ['malloc'], unmatchedFrees: 0 });
    }
  });

  it("threads that move, free and reuse each other's blocks: what the program says it left, and no free matching nothing", () => {
    // Each run interleaves the threads anew. A realloc that moved a block was recorded in the position
    // it took before the call: another thread's allocation and free of the new address, made meanwhile,
    // came after it, and a later free matched nothing (in most runs before the change).
    for (let i = 0; i < 3; i++) {
      // The program says no frees: none may match nothing.
      const { replayed, said } = replayAgainstStatement(runProgram('threads_realloc', { env: { PMM_LIBC_FREERES: '1' } }), false);
      expect(replayed).toEqual(said);
    }
  });

  it('hooks_active switched at random among mallocs, reallocs and frees: what the program works out by pmm\'s rules', () => {
    // Each run's addresses differ (ASLR), and so do the ring's cancels. A realloc's position whose block
    // was cancelled kept an earlier lap's record, which read as a cancelled allocation and dropped a live one.
    for (const seed of ['1', '2', '3']) {
      const { replayed, said } = replayAgainstStatement(runProgram('hooks_toggle_random', { args: [seed, '300000', '16'], env: { PMM_LIBC_FREERES: '1' } }), true);
      expect(replayed).toEqual(said);
    }
  });

  it('records nothing with PMM_HOOKS_ACTIVE=0', () => {
    const run = runProgram('leak_three', { env: { PMM_HOOKS_ACTIVE: '0' } });
    expect(run.status).toBe(7);
    // Not one allocation or release; only how the process ended, which is no recording.
    expect(run.records).toEqual([]);
    expect(run.marks).toEqual(['exit 7']);
  });

  it('follows pmm_hooks_active() calls, from either starting state', () => {
    const outcome = (run: ProgramRun) => {
      const replay = replayRecords(run.records);
      return { status: run.status, sizes: programLeaks(run, replay.unmatched).map((l) => l.size), unmatchedFrees: replay.unmatchedFreeCount };
    };
    // A block freed with hooks_active off whose address came back was reported leaked (40 bytes) as well.
    expect(outcome(runProgram('hooks_switch'))).toEqual({ status: 0, sizes: [111, 333], unmatchedFrees: 0 });
    expect(outcome(runProgram('hooks_switch', { env: { PMM_HOOKS_ACTIVE: '0' } }))).toEqual({ status: 0, sizes: [333], unmatchedFrees: 0 });
  });

  it('writes each forked and exec-ed child into a file of its own, the parent\'s holding only the parent\'s records', () => {
    const run = runProgram('fork_exec');
    expect(run.status).toBe(0);
    expectWellFormed(run);
    // The first child's free of the parent's block and its own 55-byte leaks, and the exec-ed
    // program's 77-byte leaks, are not the parent's.
    expect(run.records.map((r) => `${r.kind} ${r.size}`)).toEqual(['malloc 100']);
    expect(programLeaks(run, replayRecords(run.records).unmatched)).toEqual([
      { kind: 'malloc', size: 100, function: 'leak', caller: 'main' },
    ]);
    // The forked child starts with no records, as its monitor does in the guest: its free of its copy
    // of the parent's block matches nothing. The exec-ed image continues its pid's file (the forked
    // child recorded nothing before the exec but the mark of its exec call), after the new image's mark
    // where the reader forgets the old image's blocks, with a map of its own. Each marks its exit status.
    expect(run.others.map((o) => o.records.map((r) => `${r.kind} ${r.kind === 'free' ? '' : r.size}`.trim()))).toEqual([
      ['free', ...Array(5).fill('malloc 55')],
      Array(7).fill('malloc 77'),
    ]);
    expect(run.others.map((o) => o.marks)).toEqual([['exit 0'], ['exec-try', 'exec', 'exit 0']]);
    // The parent reaped both children, each with status 0.
    expect(run.marks).toEqual(['reaped 0', 'reaped 0', 'exit 0']);
    for (const other of run.others) {
      const child = { ...run, records: other.records, maps: other.maps };
      expect(programLeaks(child, replayRecords(other.records).unmatched).map((l) => `${l.function}<${l.caller}`)).toEqual(
        other.records.filter((r) => r.kind === 'malloc').map(() => 'leak<main'),
      );
    }
  });

  it('with PMM_RECORD_FD follows one process: no forked or exec-ed child writes, and the stream is the parent\'s', () => {
    const run = runProgram('fork_exec', { sink: 'fd' });
    expect(run.status).toBe(0);
    expect(run.records.map((r) => `${r.kind} ${r.size}`)).toEqual(['malloc 100']);
    expect(run.others).toEqual([]);
    expect(mapsOf(run).some((m) => m.path === run.program)).toBe(true);
  });

  it('records each C++ operator with its kind, once (not again as the malloc inside), and the mismatched releases', () => {
    const run = runProgram('cxx_operators', everyEvent);
    expect(run.status).toBe(0);
    expectWellFormed(run);
    const { unmatched, unmatchedFrees, mismatches } = replayRecords(run.records);
    expect(unmatchedFrees).toEqual([]);
    expect(programLeaks(run, unmatched)).toEqual([
      { kind: 'new', size: 4, function: 'leak_new()', caller: 'main' },
      { kind: 'new[]', size: 10, function: 'leak_new_array()', caller: 'main' },
      { kind: 'new', size: 64, function: 'leak_aligned()', caller: 'main' },
      { kind: 'new[]', size: 12, function: 'leak_nothrow_array()', caller: 'main' },
    ].map((l) => ({ ...l, function: l.function.replace('()', '') })));
    expect(unmatched.find((r) => r.kind === 'new' && r.size === 64n)!.ptr % 64n).toBe(0n);
    expect(mismatches.map((m) => `${m.allocation.kind} ${m.allocation.size} by ${m.release.kind}`)).toEqual([
      'new[] 20 by delete',
      'malloc 30 by delete',
    ]);
    // Every pair of balanced(): 13 allocations by new or new[], each released by its own kind.
    const kinds = run.records.map((r) => r.kind);
    expect(kinds.filter((k) => k === 'new').length + kinds.filter((k) => k === 'new[]').length).toBe(13 + 1 + 4);
    expect(kinds.filter((k) => k === 'delete').length).toBe(7 + 2);
    expect(kinds.filter((k) => k === 'delete[]').length).toBe(6);
    // libstdc++'s operator new calls malloc: with the operator recorded, that malloc is not recorded too.
    // Were it recorded, it would come just before the operator's record, with the same block.
    const doubled = run.records.filter((r, i) => (r.kind === 'new' || r.kind === 'new[]') && i > 0 && run.records[i - 1].kind === 'malloc' && run.records[i - 1].ptr === r.ptr);
    expect(doubled).toEqual([]);
    // The program's own malloc(30) is there; the others are the C++ runtime's (its exception pool and
    // the bad_alloc object) and stdout's buffer, none per operator call.
    const mallocs = run.records.filter((r) => r.kind === 'malloc');
    expect(mallocs.filter((r) => r.size === 30n)).toHaveLength(1);
    expect(mallocs.length).toBeLessThanOrEqual(4);
  });

  // Each frame as object + file offset: two runs load the objects at different addresses.
  const stacks = (run: ProgramRun, records = run.records) =>
    records.map((r) => `${r.kind}: ${r.frames.map((f) => {
      const m = findObject(mapsOf(run), f);
      return m ? `${m.path}+0x${(f - m.start + m.offset).toString(16)}` : '<unmapped>';
    }).join(' ')}`);

  it("gives by default the stacks libgcc's unwinder gives, with and without frame pointers in the program", () => {
    for (const name of ['libc_callers', 'libc_callers_nofp', 'leak_three_nofp', 'cxx_operators']) {
      const cached = runProgram(name, everyEvent);
      const reference = runProgram(name, { ...everyEvent, env: { PMM_STACK_UNWIND: 'backtrace' } });
      // leak_three's exit status is its own (7); only that both runs end alike matters here.
      expect(cached.status).toBe(reference.status);
      expect(cached.records.filter((r) => r.frames.length > 2).length).toBeGreaterThan(3);
      expect(stacks(cached)).toEqual(stacks(reference));
    }
  });

  it('drops its cached unwind rules at dlclose: a library loaded where a closed one was is unwound by its own', () => {
    const cached = runProgram('dl_reload', everyEvent);
    const reference = runProgram('dl_reload', { ...everyEvent, env: { PMM_STACK_UNWIND: 'backtrace' } });
    expect(cached.status).toBe(0);
    expect(cached.stdout).toBe('dl_reload: done\n');
    // frame_alloc's two malloc(42) calls, from libframe_small.so and from libframe_big.so.
    const fromLibraries = (run: ProgramRun) => run.records.filter((r) => r.kind === 'malloc' && r.size === 42n);
    const [small, big] = fromLibraries(cached);
    expect(fromLibraries(cached)).toHaveLength(2);
    // What the test stands on: the second library was mapped where the first was, so that the second
    // call returns to the address the first did, in a frame of another size.
    expect(big.frames[0]).toBe(small.frames[0]);
    expect(objectAt(cached, big.frames[1])).toBe(cached.program);
    expect(stacks(cached, fromLibraries(cached))).toEqual(stacks(reference, fromLibraries(reference)));
    expect(stacks(cached)).toEqual(stacks(reference));
  });

  it('keeps exact stacks for return addresses that share their low 16 bits (one slot of its rule cache)', () => {
    const cached = runProgram('dl_share', everyEvent);
    const reference = runProgram('dl_share', { ...everyEvent, env: { PMM_STACK_UNWIND: 'backtrace' } });
    expect(cached.status).toBe(0);
    expect(cached.stdout).toBe('dl_share: done\n');
    // Three rounds of the three libraries' frame_alloc, each malloc(42) returning to its own library.
    const fromLibraries = cached.records.filter((r) => r.kind === 'malloc' && r.size === 42n);
    expect(fromLibraries).toHaveLength(9);
    const returns = new Set(fromLibraries.map((r) => r.frames[0]));
    expect(returns.size).toBe(3);
    // What the test stands on: the three return addresses have the same low 16 bits.
    expect(new Set([...returns].map((a) => a & 0xffffn)).size).toBe(1);
    for (const r of fromLibraries) expect(objectAt(cached, r.frames[1])).toBe(cached.program);
    expect(stacks(cached)).toEqual(stacks(reference));
  });

  it('writes an object map that holds the program, libc and the hook', () => {
    const run = runProgram('leak_three');
    const paths = new Set(mapsOf(run).map((m) => m.path));
    expect(paths).toContain(run.program);
    expect(paths).toContain(fs.realpathSync(hookPath));
    expect([...paths].some((p) => p !== null && /\/libc\.so/.test(p))).toBe(true);
    expect(mapsOf(run).some((m) => m.path === run.program && m.perms.includes('x'))).toBe(true);
  });

  it('makes no system call per allocation with PMM_RECORD_DIR: 60,000 events, a handful of writes (strace)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-hook-strace-'));
    try {
      const trace = path.join(dir, 'trace');
      const run = spawnSync(
        'strace',
        // -E: the hook for the traced program only, not for strace.
        ['-f', '-qq', '-e', 'trace=write,pwrite64,writev,pwritev,ioctl', '-o', trace, '-E', `LD_PRELOAD=${hookPath}`, '-E', `PMM_RECORD_DIR=${dir}`,
          '-E', 'PMM_LIBC_FREERES=0', path.join(programDir, 'killed_midway'), 'clean'],
        { env: cleanEnv(), encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.status).toBe(0);
      const calls = fs.readFileSync(trace, 'utf8').split('\n').filter((line) => /^\d+ +\w+\(/.test(line));
      // The object map once, the counter's rate once (the run's first process measures it, tsc_khz), then
      // one pwrite per drain of half the ring (16,384 entries): 40,000 positions after the cancels, so
      // about five, and the last at exit.
      const drains = calls.filter((line) => /pwrite64\(/.test(line));
      expect(drains.length).toBeGreaterThanOrEqual(3);
      expect(drains.length).toBeLessThanOrEqual(10);
      expect(calls.length - drains.length).toBeLessThanOrEqual(3);
      // Every event came through: what was allocated was freed, and the ring was emptied at exit.
      expect(recordDirEntries(dir)).toHaveLength(1);
      const { name } = recordDirEntries(dir)[0];
      expect(fs.statSync(path.join(dir, `${name}.ring`)).size).toBe(0);
      expect(replayRecords(decodeRecords(readProcessRecords(dir, name)))).toMatchObject({ unmatched: [], unmatchedFrees: [] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("measures the counter's rate once per run, into PMM_RECORD_DIR's tsc_khz, which the run's later processes read", () => {
    // outlived: the parent leaks 10 bytes and exits (its drain times its records); its forked child
    // leaks three blocks of 33 and waits, and is killed here: its records are read from its ring as it
    // left them, at the rate it started with (ringFile.ts).
    const run = (seed: string | null) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-hook-rate-'));
      let child: number | null = null;
      try {
        if (seed !== null) fs.writeFileSync(path.join(dir, 'tsc_khz'), seed);
        const startNs = BigInt(Date.now()) * 1_000_000n;
        const result = spawnSync(path.join(programDir, 'outlived'), [], {
          env: { ...cleanEnv(), LD_PRELOAD: hookPath, PMM_RECORD_DIR: dir, PMM_LIBC_FREERES: '0' },
          stdio: 'ignore',
          timeout: 60_000,
        });
        expect(result.status).toBe(0);
        child = recordDirEntries(dir).find(({ pid }) => pid !== result.pid)?.pid ?? null;
        expect(child).not.toBeNull();
        endProcess(child!);
        const endNs = BigInt(Date.now()) * 1_000_000n;
        const inRun = (name: string, size: bigint, blocks: number) => {
          const leaks = replayRecords(decodeRecords(readProcessRecords(dir, name))).unmatched.filter((r) => r.size === size);
          expect(leaks).toHaveLength(blocks);
          return leaks.every((r) => r.timeNs >= startNs - 1_000_000_000n && r.timeNs <= endNs + 1_000_000_000n);
        };
        return {
          rate: fs.readFileSync(path.join(dir, 'tsc_khz'), 'utf8'),
          drainedInRun: inRun(`${result.pid}`, 10n, 1),
          leftInRun: inRun(`${child}`, 33n, 3),
        };
      } finally {
        if (child !== null) endProcess(child);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };
    expect(run(null)).toEqual({ rate: expect.stringMatching(/^[1-9]\d*\n$/), drainedInRun: true, leftInRun: true });
    // A rate already there is taken as it is: at 1 kHz, far too slow, the stamps left in the child's
    // ring land long before the run. A drain times what it takes by the counter between its reference
    // pair and the last (the next test): the parent's stamps are right all the same.
    expect(run('1\n')).toEqual({ rate: '1\n', drainedInRun: true, leftInRun: false });
    // One that is not a number is measured again (and left as it was).
    expect(run('fast\n')).toEqual({ rate: 'fast\n', drainedInRun: true, leftInRun: true });
  });

  it("times records with the counter's rate between the drain's reference pairs: a leak made before a dlclose stays before it under a rate 10 times too fast", () => {
    const dirs: string[] = [];
    const run = (program: string, args: string[], rate: string | null) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-hook-rate-'));
      dirs.push(dir);
      if (rate !== null) fs.writeFileSync(path.join(dir, 'tsc_khz'), rate);
      const result = spawnSync(path.join(programDir, program), args, {
        env: { ...cleanEnv(), LD_PRELOAD: hookPath, PMM_RECORD_DIR: dir, PMM_LIBC_FREERES: '0' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.status).toBe(program === 'leak_three' ? 7 : 0);
      return { dir, pid: result.pid };
    };
    try {
      const measured = BigInt(fs.readFileSync(path.join(run('leak_three', [], null).dir, 'tsc_khz'), 'utf8').trim());
      // dl_reload's two 42-byte leaks, each made in a library closed just after: with the run's rate
      // taken as it is, the first was drained as if made after its library closed.
      const { dir, pid } = run('dl_reload', ['leak'], `${measured * 10n}\n`);
      const leaks = replayRecords(decodeRecords(readProcessRecords(dir, `${pid}`))).unmatched.filter((r) => r.size === 42n);
      const closed = closedTimes(fs.readFileSync(path.join(dir, `${pid}.maps`), 'utf8'));
      expect([leaks.length, closed.length]).toEqual([2, 2]);
      const [first, second] = leaks.map((r) => BigInt(r.timeNs)).sort((a, b) => (a < b ? -1 : 1));
      expect([first < closed[0], closed[0] < second, second < closed[1]]).toEqual([true, true, true]);
    } finally {
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps at most so many allocations of all a run's processes together, as pmm.ko's max_total_records: the rest are dropped and counted", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-hook-total-'));
    try {
      // fork_family: the parent and each of its five children leak blocks of their own.
      const result = spawnSync(path.join(programDir, 'fork_family'), [], {
        env: { ...cleanEnv(), LD_PRELOAD: hookPath, PMM_RECORD_DIR: dir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.status).toBe(0);
      const kept = (total?: number): number[] => readRecordDir(dir, total).map(({ process: p }) => p.records.length);
      const all = kept();
      const total = all.reduce((sum, n) => sum + n, 0);
      expect(all.filter((n) => n > 0).length).toBeGreaterThan(1);
      const capped = readRecordDir(dir, total - 1);
      expect(capped.reduce((sum, { process: p }) => sum + p.records.length, 0)).toBe(total - 1);
      expect(capped.reduce((sum, { process: p }) => sum + p.droppedRecords, 0)).toBe(1);
      // The earlier processes first: only the last one that leaked lost a block.
      const last = all.map((n, i) => (n > 0 ? i : -1)).filter((i) => i >= 0).pop()!;
      expect(capped.map(({ process: p }) => p.records.length)).toEqual(all.map((n, i) => (i === last ? n - 1 : n)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hands a relative LD_PRELOAD on as an absolute path: an image exec()ed after a chdir is hooked too', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-hook-relative-'));
    try {
      // Started from the hook's folder with LD_PRELOAD=./libpmm.so, exec_env runs itself again in every
      // way, one of them after chdir("/").
      const result = spawnSync(path.join(programDir, 'exec_env'), [], {
        cwd: path.dirname(hookPath),
        env: { ...cleanEnv(), LD_PRELOAD: `./${path.basename(hookPath)}`, PMM_RECORD_DIR: dir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect([result.status, result.stderr]).toEqual([0, '']);
      expect(result.stdout).toContain('chdir-execve: EXEC_ENV_KEPT kept\n');
      // The images of exec_env that leaked its 22-byte block. Not just any process with a 22-byte block:
      // the shells of system() and popen() leak blocks whose sizes follow the length of this checkout's
      // path, and in a clone at /tmp/ci11 one of them was 22 bytes too.
      const newImages = readRecordDir(dir).filter(({ process: p }) =>
        p.maps.includes('/exec_env\n') && p.records.some((r) => r.size === 22),
      );
      expect(newImages).toHaveLength(execEnvModeCount);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("hands on after `env -i` its own settings but no other PMM_* variable, as valgrind adds only its own", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-hook-settings-'));
    try {
      const settings = { PMM_STACK_DEPTH: '5', PMM_STACK_UNWIND: 'fp', PMM_LIBC_FREERES: '1', PMM_HOOKS_ACTIVE: '1' };
      const result = spawnSync('/usr/bin/env', ['-i', 'X=1', '/usr/bin/env'], {
        env: { ...cleanEnv(), LD_PRELOAD: hookPath, PMM_RECORD_DIR: dir, ...settings, PMM_JUNIT_FIGURES_DIR: dir, PMM_OTHER: 'x' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect([result.status, result.stderr]).toEqual([0, '']);
      const seen = result.stdout.split('\n').filter(Boolean).sort();
      const expected = ['X=1', `LD_PRELOAD=${hookPath}`, `PMM_RECORD_DIR=${dir}`, ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)];
      expect(seen).toEqual(expected.sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // 1 MiB a file: too little for the ring (so records are appended) and for many_leaks' 20,000 records. 1 KiB:
  // too little for the object map, without which the records name nothing (the reader said the hook never
  // started). SIGXFSZ left to kill, as it does by default: the hook must not raise it (it did, making the ring).
  it.each([
    ['records', 2048],
    ['object map', 1],
  ])('says when it could not write its %s out (a file size limit): <pid>.failed, and the reader refuses the process', (_what, kib) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-hook-failed-'));
    try {
      const run = spawnSync('sh', ['-c', `ulimit -f ${kib}; exec ${path.join(programDir, 'many_leaks')}`], {
        env: { ...cleanEnv(), LD_PRELOAD: hookPath, PMM_RECORD_DIR: dir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      // The program itself runs on.
      expect([run.status, run.signal, run.stdout]).toEqual([0, null, 'many_leaks: done\n']);
      expect(fs.existsSync(path.join(dir, `${run.pid}.failed`))).toBe(true);
      expect(() => readRecordDir(dir)).toThrow(
        `host mode, process ${run.pid}: its records could not all be written to ${dir} (a full file system, a file size limit, no file descriptor left, or a chroot away from it), so what it allocated is not known`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  if (!runsAsRoot) console.warn('the full file system test skipped: mounting a tmpfs needs root');
  (runsAsRoot ? it : it.skip)('takes the room for its ring when it makes it: on a full file system the program is not killed (root: a tmpfs)', () => {
    const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-hook-full-'));
    const kept = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-hook-full-kept-'));
    try {
      // 300 KiB left, less than a ring: a store into a hole of its file would be a SIGBUS.
      const script = [
        `mount -t tmpfs -o size=3200k pmm-full ${mount}`,
        `dd if=/dev/zero of=${mount}/fill bs=1k count=2900 2>/dev/null`,
        `mkdir ${mount}/run`,
        `LD_PRELOAD=${hookPath} PMM_RECORD_DIR=${mount}/run ${path.join(programDir, 'many_leaks')}`,
        'echo "status $?"',
        `cp -a ${mount}/run/. ${kept}/`,
      ].join(' && ');
      // A mount namespace of its own: the tmpfs goes when the shell does.
      const run = spawnSync('unshare', ['--mount', 'sh', '-c', script], { env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
      expect([run.status, run.stderr, run.stdout]).toEqual([0, '', 'many_leaks: done\nstatus 0\n']);
      expect(fs.readdirSync(kept).filter((f) => f.endsWith('.failed'))).toHaveLength(1);
    } finally {
      fs.rmSync(mount, { recursive: true, force: true });
      fs.rmSync(kept, { recursive: true, force: true });
    }
  });

  it('records nothing and writes no map without /dev/pmm, PMM_RECORD_DIR or PMM_RECORD_FD', () => {
    const run = runProgram('leak_three', { sink: 'none' });
    expect(run.status).toBe(7);
    expect(run.recordBytes).toBe(0);
    expect(run.maps).toBeNull();
    expect(run.others).toEqual([]);
  });

  it.each([
    ['missing', '/nonexistent/pmm-records'],
    ['not a directory', '/dev/null'],
  ])('records nothing, and the program runs as without the hook, when PMM_RECORD_DIR is %s', (_what, dir) => {
    const run = runProgram('fork_exec', { sink: 'none', env: { PMM_RECORD_DIR: dir } });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('fork_exec: done\n');
    expect(run.recordBytes).toBe(0);
    expect(run.others).toEqual([]);
  });

  it('records nothing with a relative PMM_RECORD_DIR (the program may change directory before it forks)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-relative-'));
    try {
      const run = runProgram('fork_exec', { sink: 'none', env: { PMM_RECORD_DIR: path.relative(process.cwd(), dir) } });
      expect(run.status).toBe(0);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records nothing into a directory it may not write', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-readonly-'));
    try {
      // As nobody when run as root, who may write anywhere.
      const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      fs.chmodSync(dir, 0o555);
      const run = spawnSync(path.join(programDir, 'leak_three'), [], {
        env: { ...cleanEnv(), LD_PRELOAD: hookPath, PMM_RECORD_DIR: dir },
        encoding: 'utf8',
        ...asNobody,
      });
      expect(run.status).toBe(7);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
