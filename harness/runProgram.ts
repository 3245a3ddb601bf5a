// pmm.run: runs a program in the guest under the hook and turns pmd's answer into a RunResult. The CLI and
// the Jest environment both come through here.
import type { Stats } from 'fs';
import type { Readable } from 'stream';
import { mainObjectPath, recordingStartedOff } from '../symbolizer/objectMap';
import { Symbolizer } from '../symbolizer/Symbolizer';
import { groupLeaks, summarize } from './leakReport';
import { countMismatches, groupMismatches, type MismatchFrames } from './mismatchReport';
import { applyMismatchSuppressions, applySuppressions, loadSuppressionFiles, type Suppression } from './suppressions';
import { fs, path } from './coreModules';
import { checkEnvironment, timeLimitProblem, type PmmOptions } from './options';
import { sharedVm, type Notice } from './sharedVm';
import type { ChildResult, Mismatch, RawMismatch, RawRecord, RunResult } from './types';
import type { OutputListener, RunControl } from '../qemu/GuestChannel';
import type { EarlierMapsAnswer } from '../qemu/protocol';
import { hookLibraryPath, loadGuestFiles, preloadablePath } from '../qemu/paths';
import { ProgramNotStartedError, VmError, type Vm } from '../qemu/Vm';
import { PmmFaultError, vmFaultKind } from './faults';
import { DEFAULT_GROWTH, judgeGrowth, judgedCount, MIN_JUDGED_SAMPLES, type GrowthOptions } from './growth';
import { growthSeries, parseSampleInterval } from './growthSeries';
import { checkHookable, checkHookStarted, checkRecordedToTheEnd } from './hookReach';
import { checkHookSettings, recordingOffAtStartIn, withHookedDefaults } from './hookEnvironment';
import { runDirectory } from './runDirectory';
import { startFailureError } from './startFailure';
import { ProgramError, ProgramStartError } from './programError';
import { withSharedStacks } from './sharedStacks';
import { shownValue } from './shownValue';

export interface RunOptions {
  /** Milliseconds before the program is killed; overrides the runTimeoutMs option. 0: no limit. */
  timeoutMs?: number;
  /** Extra environment variables, on top of this process's and the env option's. */
  env?: Record<string, string>;
  /** Working directory; a host path, which is the same in the guest. */
  cwd?: string;
  /** false: no hook and no monitoring (what `pmm exec` does). */
  hook?: boolean;
  /** true: a crash, a kill or a timeout of this run is expected, and is not reported as the test's error. */
  allowFault?: boolean;
  /** Growth mode: sample the process while it runs and fail the test when its memory grows steadily. */
  growth?: Partial<GrowthOptions> & {
    /** pmthread's sampling interval during this run, in ms (the module allows 100 and up). */
    intervalMs?: number;
  };
  /** true: the result also has stdoutBytes and stderrBytes, the output's exact bytes (stdout and stderr are UTF-8 text). */
  binary?: boolean;
  /**
   * The program's stdin: all of it (as child_process's `input`), there when it starts as a file it may
   * seek in; or a Readable stream, read as the program reads (a pipe). Without it, stdin is /dev/null.
   */
  input?: string | Uint8Array | Readable;
}

const RUN_OPTION_KEYS = ['timeoutMs', 'env', 'cwd', 'hook', 'allowFault', 'growth', 'input', 'binary'];

/** Run options checked like the environment's: a misspelt or ill-typed one must not silently do nothing. */
export function checkRunOptions(given: unknown): void {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new ProgramError(`run options must be an object, got ${shownValue(given)}`);
  }
  for (const key of Object.keys(given)) {
    if (!RUN_OPTION_KEYS.includes(key)) throw new ProgramError(`unknown run option "${key}"; known: ${RUN_OPTION_KEYS.join(', ')}`);
  }
  const options = given as Record<string, unknown>;
  const { timeoutMs, cwd, hook, allowFault } = options;
  if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && (timeoutMs as number) >= 0)) {
    throw new ProgramError(`option "timeoutMs" must be a non-negative integer (ms; 0 for no limit), got ${shownValue(timeoutMs)}`);
  }
  const problem = timeoutMs === undefined ? null : timeLimitProblem(timeoutMs as number);
  if (problem !== null) throw new ProgramError(`option "timeoutMs" ${problem}`);
  if (cwd !== undefined && typeof cwd !== 'string') throw new ProgramError(`option "cwd" must be a string, got ${shownValue(cwd)}`);
  for (const [name, value] of Object.entries({ hook, allowFault })) {
    if (value !== undefined && typeof value !== 'boolean') throw new ProgramError(`option "${name}" must be true or false, got ${shownValue(value)}`);
  }
  if (options.env !== undefined) checkEnvironment(options.env, (message) => new ProgramError(message));
}

/** The binary option, checked before anything runs. */
export function binaryOutput(binary: unknown): boolean {
  if (binary !== undefined && typeof binary !== 'boolean') throw new ProgramError(`option "binary" must be true or false, got ${shownValue(binary)}`);
  return binary === true;
}

/**
 * A run's captured stdout and stderr as its result gives them: as text, and with the binary option as
 * bytes too (a program that writes an image or a compressed stream is compared byte for byte).
 */
export function outputFields(stdout: Buffer, stderr: Buffer, binary: boolean): Pick<RunResult, 'stdout' | 'stderr' | 'stdoutBytes' | 'stderrBytes'> {
  return { stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'), ...(binary ? { stdoutBytes: stdout, stderrBytes: stderr } : {}) };
}

/**
 * The most stdin a run takes: in the VM it travels base64 in pmd's request line, which holds 64 MiB
 * (pmd/PROTOCOL.md), with the rest of the request.
 */
export const MAX_INPUT_BYTES = 32 * 1024 * 1024;

/** Whether value is a readable stream (by its methods: a stream of another copy of Node's classes is one too). */
function isReadable(value: object): value is Readable {
  const stream = value as Partial<Readable>;
  return typeof stream.on === 'function' && typeof stream.read === 'function' && typeof stream.pause === 'function' && typeof stream.resume === 'function';
}

/**
 * The input option, checked: its bytes, or the stream the program reads as it goes; null when the run has
 * none (stdin is /dev/null).
 */
export function programInput(input: unknown): Buffer | Readable | null {
  if (input === undefined || input === null) return null;
  let bytes: Buffer;
  if (typeof input === 'string') bytes = Buffer.from(input, 'utf8');
  else if (input instanceof Uint8Array) bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  else if (typeof input === 'object' && isReadable(input)) return input;
  else throw new ProgramError(`option "input" must be a string, a Buffer, a Uint8Array or a Readable stream, got ${typeof input}`);
  if (bytes.length > MAX_INPUT_BYTES) {
    throw new ProgramError(`option "input" is ${bytes.length} bytes, more than the ${MAX_INPUT_BYTES} (32 MiB) a run takes as stdin`);
  }
  return bytes;
}

const GROWTH_KEYS = new Set(['intervalMs', ...Object.keys(DEFAULT_GROWTH)]);
/** pmm.ko's longest scan interval and how many samples of a process it keeps (kernel/include/uapi/pmm.h). */
const MAX_SAMPLE_INTERVAL_MS = 3_600_000;
const SAMPLES_KEPT = 256;
// pmthread's fastest interval: as many samples as the module allows.
const DEFAULT_GROWTH_INTERVAL_MS = 100;

/** What one process gives before symbolization: its raw records and mismatches, and the text to symbolize them with. */
export interface RawProcess {
  records: RawRecord[];
  mismatches: RawMismatch[];
  mismatchedFrees: number; // all of them, kept or not
  unmatchedFrees: number; // frees of blocks never seen allocated
  droppedRecords: number; // allocations pmm could not keep (pmm.ko's max_records caps, host mode's live cap)
  maps: string;
  /**
   * The maps of the images it left by exec() after mismatches, in order: the mismatches before an entry's
   * mismatchesBefore (and from the previous entry's) have that image's stacks, the others `maps`'s.
   */
  earlierMaps: EarlierMaps[];
  /** It exec()ed an image the hook never entered (static, set-user-ID): what that image allocated was not seen. */
  unhooked: boolean;
  /** With unhooked, of a forked child: the hook in it could not reach pmm.ko (no descriptor of /dev/pmm left). */
  noDevice?: true;
  /**
   * Its hook stopped recording before it ended (the VM: its ring could not be drained), so its records are not
   * what it left allocated; absent in host mode, which fails the run itself then.
   */
  stopped?: boolean;
  /** Why it stopped: pmm.ko found its record ring written over by the program. */
  overwritten?: boolean;
}

export interface EarlierMaps {
  mismatchesBefore: number;
  maps: string;
}

const decodeEarlierMaps = (answers: readonly EarlierMapsAnswer[]): EarlierMaps[] =>
  answers.map((a) => ({ mismatchesBefore: a.mismatchesBefore, maps: Buffer.from(a.maps, 'base64').toString('utf8') }));

/** What a run gives before symbolization: the program's raw process, and its children's. */
export interface RawRun extends RawProcess {
  result: Omit<RunResult, 'leaks' | 'summary' | 'mismatches' | 'mismatchedFrees' | 'unmatchedFrees' | 'droppedRecords' | 'children'>;
  children?: Array<RawProcess & Pick<ChildResult, 'pid' | 'exitCode' | 'signal' | 'endedByRun' | 'samples' | 'growth'>>;
}

export { ProgramError, ProgramStartError } from './programError';

/**
 * Checks the program on the host first: the guest sees the same files, and the error is clearer here.
 * searchPath: the PATH of the program's own environment (a run's env may set one), which a name without
 * a slash is looked up in, as child_process.spawn and execvp do.
 */
export function resolveProgram(program: string, cwd: string, searchPath: string | undefined = process.env.PATH): string {
  if (program === '' || program === undefined) throw new ProgramError('no program given');
  if (typeof program !== 'string') throw new ProgramError(`the program must be a path or a name on PATH (a string), got ${shownValue(program)}`);
  if (program.includes('\0')) throw new ProgramError(`the program's path holds a NUL character, which no path can: ${shownValue(program)}`);
  const candidate = program.includes('/') ? path.resolve(cwd, program) : findOnPath(program, searchPath ?? '', cwd);
  if (candidate === null) throw new ProgramStartError(`program not found on PATH: ${program}`, true);
  let stat: Stats;
  try {
    stat = fs.statSync(candidate);
  } catch (err) {
    // Only a name that is not there is missing (127); a folder it cannot search, a link loop, a file where a
    // folder should be are there and refused (126), as a shell, env(1) and execvp tell them apart.
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    if (code === 'ENOENT') throw new ProgramStartError(`program does not exist: ${candidate}`, true);
    throw new ProgramStartError(`program cannot be looked at (${code}): ${candidate}`, false);
  }
  if (!stat.isFile()) throw new ProgramStartError(`program is not a file: ${candidate}`, false);
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
  } catch {
    throw new ProgramStartError(`program is not executable: ${candidate}`, false);
  }
  return candidate;
}

/**
 * The PATH a run without the hook (pmm exec's, hook: false) finds its program in: it runs as root in the
 * guest, so root's directories (modprobe, insmod, sysctl) are searched too, after the environment's own,
 * which a user's lacks.
 */
export function rootSearchPath(searchPath: string | undefined): string {
  const own = searchPath === undefined || searchPath === '' ? [] : searchPath.split(':');
  return [...own, ...['/usr/local/sbin', '/usr/sbin', '/sbin'].filter((dir) => !own.includes(dir))].join(':');
}

/**
 * The first executable file of the name on searchPath, as execvp searches: a relative entry is relative to
 * the program's working directory, where it starts, an empty one is that directory, and a directory of the
 * name is passed over. Failing that, as execvp's EACCES, the first of the name that is there but refused
 * (not executable, or in a folder that cannot be searched), for resolveProgram to say so; else null.
 */
function findOnPath(name: string, searchPath: string, cwd: string): string | null {
  let refused: string | null = null;
  for (const dir of searchPath.split(':')) {
    const candidate = path.resolve(cwd, dir, name);
    try {
      if (!fs.statSync(candidate).isFile()) continue;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') refused ??= candidate;
      continue;
    }
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      refused ??= candidate;
    }
  }
  return refused;
}

function programEnv(options: PmmOptions, extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The host's Node settings mean nothing to the program. Its LD_PRELOAD goes on like any variable (pmd
    // puts the hook ahead of it), as in host mode and under valgrind.
    if (v !== undefined && k !== 'NODE_OPTIONS') env[k] = v;
  }
  // The hook reads its stack depth from the environment; an explicit env wins over the option.
  const depth: Record<string, string> = options.stackDepth === null ? {} : { PMM_STACK_DEPTH: String(options.stackDepth) };
  return { ...env, ...depth, ...options.env, ...(extra ?? {}) };
}

/** Growth options checked like the environment's: a typo must not silently give the defaults. */
export function resolveGrowth(given: RunOptions['growth']): { detector: GrowthOptions; intervalMs: number } | null {
  if (given === undefined) return null;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new ProgramError(`option "growth" must be an object, got ${shownValue(given)}`);
  }
  for (const [key, value] of Object.entries(given)) {
    if (!GROWTH_KEYS.has(key)) throw new ProgramError(`unknown option "growth.${key}"; known: ${[...GROWTH_KEYS].join(', ')}`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ProgramError(`option "growth.${key}" must be a non-negative number, got ${shownValue(value)}`);
    }
    // Fractions of the samples and of the steps: out of range, the check would judge nothing, or anything, flat.
    if (key === 'warmupFraction' && value >= 1) throw new ProgramError(`option "growth.warmupFraction" must be below 1 (the part of the samples left out as warm-up), got ${value}`);
    if (key === 'steadiness' && (value === 0 || value > 1)) throw new ProgramError(`option "growth.steadiness" must be above 0 and at most 1 (the part of the steps that must not go down), got ${value}`);
  }
  const { intervalMs = DEFAULT_GROWTH_INTERVAL_MS, ...detector } = given;
  // pmm.ko's bounds for its scan interval (kernel/pmm_internal.h).
  if (!Number.isInteger(intervalMs) || intervalMs < 100 || intervalMs > MAX_SAMPLE_INTERVAL_MS) {
    throw new ProgramError(`option "growth.intervalMs" must be an integer from 100 to ${MAX_SAMPLE_INTERVAL_MS}, got ${intervalMs}`);
  }
  // pmm.ko keeps a process's last SAMPLES_KEPT samples, the first warmupFraction of them left out.
  const judged = judgedCount(SAMPLES_KEPT, detector.warmupFraction ?? DEFAULT_GROWTH.warmupFraction);
  // The detector's fewest at least: a smaller minSamples was taken, and did nothing.
  if (detector.minSamples !== undefined && (!Number.isInteger(detector.minSamples) || detector.minSamples < MIN_JUDGED_SAMPLES || detector.minSamples > judged)) {
    throw new ProgramError(
      `option "growth.minSamples" must be an integer from ${MIN_JUDGED_SAMPLES} (a sample for each quarter whose median is compared) to ${judged} ` +
        `(pmm.ko keeps a process's last ${SAMPLES_KEPT} samples, the warm-up left out), got ${detector.minSamples}`,
    );
  }
  return { detector: { ...DEFAULT_GROWTH, ...detector }, intervalMs };
}

/** Runs a shell command as root in the guest, for pmm's own settings; its failure is pmm's error. */
async function guestShell(vm: Vm, script: string): Promise<string> {
  const answer = await vm.run({ argv: ['/bin/sh', '-c', script], cwd: '/', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, hook: null, timeoutMs: 10_000 });
  const stderr = Buffer.from(answer.stderr, 'base64').toString('utf8');
  if (answer.exitCode !== 0) throw new ProgramError(`in the guest, \`${script}\` failed (${answer.exitCode ?? answer.signal}): ${stderr.trim()}`);
  return Buffer.from(answer.stdout, 'base64').toString('utf8');
}

/**
 * pmthread's interval is the module's, for every process: growth mode sets it for its run and puts the old
 * value back afterwards, so that other tests in the same VM see what they expect.
 */
async function withSampleInterval<T>(vm: Vm, intervalMs: number, body: () => Promise<T>): Promise<T> {
  const before = parseSampleInterval(await guestShell(vm, 'cat /proc/pmm/cfg'));
  if (before === null) throw new ProgramError('growth mode: /proc/pmm/cfg shows no INTERVAL line');
  await guestShell(vm, `printf "INTERVAL ${intervalMs}" > /proc/pmm/cfg`);
  try {
    return await body();
  } finally {
    if (vm.state === 'ready') await guestShell(vm, `printf "INTERVAL ${before}" > /proc/pmm/cfg`);
  }
}

/** A VM that fails becomes the test's fault, with the console excerpt the VM error carries. */
function asFault(err: unknown, program: string, booting: boolean): unknown {
  if (!(err instanceof VmError) && !(booting && err instanceof Error)) return err;
  return new PmmFaultError(vmFaultKind(err.message, booting), program, err);
}

/**
 * onOutput: the program's output as it runs (what `pmm run` prints); the result has it all the same.
 * control: gets a signal() to send the program one while it runs.
 */
export async function runRaw(
  program: string,
  args: readonly string[],
  options: PmmOptions,
  runOptions: RunOptions,
  notice: Notice,
  onOutput?: OutputListener,
  control?: RunControl,
): Promise<RawRun> {
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) {
    throw new ProgramError(`arguments must be an array of strings, got ${shownValue(args)}`);
  }
  // The program gets its arguments as C strings: pmd would refuse the run, in words about its own argv.
  const cut = args.findIndex((a) => a.includes('\0'));
  if (cut >= 0) throw new ProgramError(`argument ${cut + 1} holds a NUL character, which a program's arguments cannot carry: ${shownValue(args[cut])}`);
  checkRunOptions(runOptions);
  const input = programInput(runOptions.input);
  const binary = binaryOutput(runOptions.binary);
  const cwd = runDirectory(runOptions.cwd, (message) => new ProgramError(message));
  const env = programEnv(options, runOptions.env);
  const executable = resolveProgram(program, cwd, runOptions.hook === false ? rootSearchPath(env.PATH) : env.PATH);
  const hook = runOptions.hook === false ? null : preloadablePath(loadGuestFiles().hook);
  if (hook !== null) {
    checkHookable(executable, (message) => new ProgramError(message));
    checkHookSettings(env, (message) => new ProgramError(message));
  }
  const growth = resolveGrowth(runOptions.growth);
  if (growth && hook === null) throw new ProgramError('growth mode needs the hook: pmthread samples only monitored processes');
  let vm: Vm;
  try {
    vm = await sharedVm(options, notice);
  } catch (err) {
    throw asFault(err, executable, true);
  }
  const request = {
    // The program's name as given, as execvp and valgrind give argv[0]; the file pmd runs is the one found here.
    argv: [program, ...args],
    file: executable,
    cwd,
    env: hook === null ? env : withHookedDefaults(env),
    hook,
    timeoutMs: runOptions.timeoutMs ?? options.runTimeoutMs,
    ...(Buffer.isBuffer(input) ? { stdin: input.toString('base64') } : {}),
  };
  const stream = input !== null && !Buffer.isBuffer(input) ? input : undefined;
  let answer;
  try {
    answer = growth
      ? await withSampleInterval(vm, growth.intervalMs, () => vm.run(request, onOutput, control, stream))
      : await vm.run(request, onOutput, control, stream);
  } catch (err) {
    // Not the VM's fault, nor an assertion's: pmm could not run what it was given, as in host mode.
    if (err instanceof ProgramNotStartedError) throw startFailureError(executable, cwd, err.failure);
    throw asFault(err, executable, false);
  }
  const samples = answer.samples;
  const records = withSharedStacks(answer.records, answer.stacks);
  const raw: RawRun = {
    result: {
      program: executable,
      args: [...args],
      exitCode: answer.exitCode,
      signal: answer.signal,
      timedOut: answer.timedOut,
      ...(hook === null ? { hook: false as const } : {}),
      ...(hook !== null ? recordingOffAtStartIn(env) : {}),
      ...(answer.oomKills ? { oomKills: answer.oomKills } : {}),
      ...outputFields(Buffer.from(answer.stdout, 'base64'), Buffer.from(answer.stderr, 'base64'), binary),
      ...(answer.truncated ? { outputTruncated: true } : {}),
      ...(samples ? { samples } : {}),
      ...(growth ? { growth: judgeGrowth(growthSeries(samples ?? [], records), growth.detector) } : {}),
    },
    records,
    mismatches: answer.mismatches,
    mismatchedFrees: answer.mismatchedFrees,
    unmatchedFrees: answer.unmatchedFrees,
    droppedRecords: answer.dropped,
    maps: Buffer.from(answer.maps, 'base64').toString('utf8'),
    earlierMaps: decodeEarlierMaps(answer.earlierMaps),
    unhooked: answer.unhooked,
    stopped: answer.stopped,
    overwritten: answer.overwritten === true,
    children: answer.children?.map((c) => {
      const childRecords = withSharedStacks(c.records, c.stacks);
      return {
        pid: c.pid,
        exitCode: c.exitCode ?? null,
        signal: c.signal ?? null,
        ...(c.endedByRun === true && c.signal === 'SIGKILL' ? { endedByRun: true } : {}),
        records: childRecords,
        mismatches: c.mismatches,
        mismatchedFrees: c.mismatchedFrees,
        unmatchedFrees: c.unmatchedFrees,
        droppedRecords: c.dropped,
        maps: Buffer.from(c.maps, 'base64').toString('utf8'),
        earlierMaps: decodeEarlierMaps(c.earlierMaps),
        unhooked: c.unhooked,
        ...(c.unhooked && c.noDevice === true ? { noDevice: true as const } : {}),
        stopped: c.stopped,
        overwritten: c.overwritten === true,
        samples: c.samples,
        ...(growth ? { growth: judgeGrowth(growthSeries(c.samples, childRecords), growth.detector) } : {}),
      };
    }),
  };
  if (hook !== null) {
    checkHookStarted(raw, (message) => new ProgramError(message), control?.reached);
    checkRecordedToTheEnd(raw, (message) => new ProgramError(message));
  }
  return raw;
}

let symbolizer: Symbolizer | null = null;

/** One long-lived symbolizer per process, like the VM; the hook's frames are left out of its stacks. */
export function sharedSymbolizer(): Symbolizer {
  if (!symbolizer) symbolizer = new Symbolizer({ hiddenObjects: hookObjects() });
  return symbolizer;
}

/** The hook library as the maps text names it: the file itself, whatever link leads to it. */
function hookObjects(): string[] {
  try {
    return [fs.realpathSync(hookLibraryPath())];
  } catch {
    return [];
  }
}

export function closeSymbolizer(): void {
  symbolizer?.close();
  symbolizer = null;
}

/** PMM_SUPPRESSIONS: suppression files (LSan `leak:` or valgrind format), separated by colons. */
export function suppressionFilesFromEnv(environment: NodeJS.ProcessEnv = process.env): string[] {
  return (environment.PMM_SUPPRESSIONS ?? '').split(':').filter((f) => f !== '');
}

/**
 * Both stacks of each mismatch, one batch per image with the symbolizer's cache; one entry per mismatch, in
 * order. Those made before an exec() are read with the object map of the image that made them.
 */
export async function symbolizeMismatches(maps: string, mismatches: readonly RawMismatch[], earlierMaps: readonly EarlierMaps[] = [], valgrindNames = false): Promise<MismatchFrames[]> {
  const symbolized: MismatchFrames[] = [];
  const images = [...earlierMaps, { mismatchesBefore: mismatches.length, maps }];
  for (const image of images) {
    const made = mismatches.slice(symbolized.length, Math.max(symbolized.length, image.mismatchesBefore));
    if (made.length === 0) continue;
    const stacks = await sharedSymbolizer().symbolizeStacks(image.maps, made.flatMap((m) => [m.allocation.frames, m.release.frames]), { valgrindNames });
    made.forEach((_m, i) => symbolized.push({ allocation: stacks[2 * i], release: stacks[2 * i + 1] }));
  }
  return symbolized;
}

/** A process's mismatches, symbolized and grouped, with the count of all of them, and its other bad releases. */
async function processMismatches(raw: RawProcess, suppressions: Suppression[] | null, valgrindNames: boolean): Promise<Pick<RunResult, 'mismatches' | 'mismatchedFrees' | 'unmatchedFrees' | 'droppedRecords'> & { suppressedFrees: Mismatch[] }> {
  const grouped = groupMismatches(raw.mismatches, await symbolizeMismatches(raw.maps, raw.mismatches, raw.earlierMaps, valgrindNames));
  const { kept, mismatchedFrees, suppressed } = applyMismatchSuppressions(grouped, raw.mismatchedFrees, suppressions ?? []);
  return {
    mismatches: kept,
    mismatchedFrees,
    suppressedFrees: suppressed,
    unmatchedFrees: raw.unmatchedFrees,
    ...(raw.droppedRecords > 0 ? { droppedRecords: raw.droppedRecords } : {}),
  };
}

/**
 * A process's leaks, symbolized and grouped. Suppressed ones are left out of leaks and summary (so they
 * fail nothing) and counted on their own, in `suppressed` when any suppression file was given.
 */
async function processLeaks(raw: RawProcess, suppressions: Suppression[] | null, valgrindNames: boolean): Promise<Pick<RunResult, 'leaks' | 'summary' | 'suppressed'>> {
  const frames = raw.records.length > 0 ? await sharedSymbolizer().symbolizeRecords(raw.maps, raw.records, { valgrindNames }) : [];
  const { kept: leaks, suppressed } = applySuppressions(groupLeaks(raw.records, frames), suppressions ?? []);
  return { leaks, summary: summarize(leaks), ...(suppressions ? { suppressed } : {}) };
}

/** A process's leaks and mismatches as its result has them: the suppressed releases under suppressed, when any. */
function withSuppressedFrees(
  leaks: Pick<RunResult, 'leaks' | 'summary' | 'suppressed'>,
  { suppressedFrees, ...mismatches }: Pick<RunResult, 'mismatches' | 'mismatchedFrees' | 'unmatchedFrees' | 'droppedRecords'> & { suppressedFrees: Mismatch[] },
): Pick<RunResult, 'leaks' | 'summary' | 'suppressed' | 'mismatches' | 'mismatchedFrees' | 'unmatchedFrees' | 'droppedRecords'> {
  if (suppressedFrees.length === 0 || leaks.suppressed === undefined) return { ...leaks, ...mismatches };
  const suppressed = { ...leaks.suppressed, mismatches: suppressedFrees, mismatchedFrees: countMismatches(suppressedFrees) };
  return { ...leaks, suppressed, ...mismatches };
}

export async function symbolizeRun(raw: RawRun, suppressionFiles: readonly string[] = suppressionFilesFromEnv()): Promise<RunResult> {
  return symbolizeRunWith(raw, suppressionFiles.length > 0 ? loadSuppressionFiles(suppressionFiles) : null);
}

/**
 * symbolizeRun with suppression files already read (null: none given). valgrindNames: name the leaks'
 * frames as valgrind does too (Frame.valgrindName), to write suppressions; a valgrind-format suppression
 * asks for them itself, since valgrind's own name C++ functions mangled.
 */
export async function symbolizeRunWith(raw: RawRun, suppressions: Suppression[] | null, options: { valgrindNames?: boolean } = {}): Promise<RunResult> {
  const valgrindNames = options.valgrindNames === true || (suppressions ?? []).some((s) => s.format === 'valgrind');
  // A run without the hook has no children, as it has no leaks: pmd sends none then.
  const result: RunResult = { ...raw.result, ...withSuppressedFrees(await processLeaks(raw, suppressions, valgrindNames), await processMismatches(raw, suppressions, valgrindNames)), children: [] };
  // Recording off from the start in the image it ran last, though pmm gave it no PMM_HOOKS_ACTIVE=0: the
  // program put it in an exec's environment (`env PMM_HOOKS_ACTIVE=0 ./prog`).
  if (recordingStartedOff(raw.maps)) result.recordingOffAtStart = true;
  if (raw.children) {
    for (const child of raw.children) {
      result.children.push({
        pid: child.pid,
        program: mainObjectPath(child.maps),
        exitCode: child.exitCode,
        signal: child.signal,
        ...(child.endedByRun ? { endedByRun: true } : {}),
        unhooked: child.unhooked,
        ...(child.noDevice ? { noDevice: true as const } : {}),
        // Not said of each child of a run pmm itself started with recording off: the run's note says it.
        ...(!raw.result.recordingOffAtStart && recordingStartedOff(child.maps) ? { recordingOffAtStart: true as const } : {}),
        ...withSuppressedFrees(await processLeaks(child, suppressions, valgrindNames), await processMismatches(child, suppressions, valgrindNames)),
        ...(child.samples ? { samples: child.samples } : {}),
        ...(child.growth ? { growth: child.growth } : {}),
      });
    }
  }
  return result;
}

export async function runProgram(
  program: string,
  args: readonly string[],
  options: PmmOptions,
  runOptions: RunOptions,
  notice: Notice,
  control?: RunControl,
): Promise<RunResult> {
  return symbolizeRun(await runRaw(program, args, options, runOptions, notice, undefined, control), [...options.suppressions, ...suppressionFilesFromEnv()]);
}
