// Host mode (`pmm run --host`): runs a program on this machine under libpmm.so, without a VM, and gives
// the same raw run as the VM path: the hook in each process (the program, what it forks, what they
// exec) writes its records and object map into a directory of its own run (PMM_RECORD_DIR,
// recordDir.ts); the replay leaves the unmatched allocations and finds the mismatched releases, per
// process, as pmm.ko would. The program's process is the run's; every other one is one of its children.
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CappedOutput } from '../../harness/cappedOutput';
import { checkHookable, checkHookStarted } from '../../harness/hookReach';
import { checkHookSettings, recordingOffAtStartIn, withHookedDefaults } from '../../harness/hookEnvironment';
import { processStat } from '../../harness/processStat';
import { runDirectory } from '../../harness/runDirectory';
import { startFailureError } from '../../harness/startFailure';
import { binaryOutput, outputFields, programInput, ProgramError, ProgramStartError, resolveProgram, type RawRun } from '../../harness/runProgram';
import type { RunControl } from '../../qemu/GuestChannel';
import { InputReader } from '../../qemu/InputReader';
import { hookLibraryPath, packageRoot, preloadablePath } from '../../qemu/paths';
import type { Readable, Writable } from 'stream';
import { ASKED_SIGNALS, noteLaunchLine, parseLaunchLine, waitStatusEnding, type Ending, type LaunchLine, type LaunchReport } from './launchReport';
import { childrenWithoutFiles, processName, ranUnhooked, readRecordDir, recordDirEntries, type HostProcess, type RecordDirEntry } from './recordDir';

/**
 * pmm's pid as the kernel has it: process.pid is the getpid symbol's, which a library in pmm's own
 * LD_PRELOAD may fake, and the launcher, which checks that its parent is pmm, then refused to start.
 */
function ownPid(): number {
  try {
    return Number(fs.readlinkSync('/proc/self'));
  } catch {
    return process.pid;
  }
}

export interface HostRunOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number; // SIGKILL after this; 0 or absent: none
  hook?: string; // libpmm.so; default: the one the package builds (hookLibraryPath)
  // The program's stdin: all of it, or a stream read as the program reads; absent: none (/dev/null), unless inheritInput.
  input?: string | Uint8Array | Readable;
  /** The program reads this process's stdin as it is (a terminal, a pipe as it comes): pmm run --host. */
  inheritInput?: boolean;
  binary?: boolean; // the result also has stdoutBytes and stderrBytes, as pmm.run's option
  /**
   * The program writes to this process's stdout and stderr itself, as it would without pmm (a terminal
   * stays a terminal, a closed pipe gives it SIGPIPE); the result's stdout and stderr are then "".
   */
  inheritOutput?: boolean;
  /**
   * Its signal() is set once the program runs, and has a signal pmm got passed on to the program (one of
   * ASKED_SIGNALS), or says (false) that the program has ended; signalled(), when given, is then told whether it was, or whether the program had it
   * already from its process group (the terminal's Ctrl-C), which is not sent again. hadFromGroup() is set
   * too (RunControl).
   */
  control?: Pick<RunControl, 'signal' | 'signalled' | 'hadFromGroup'>;
}

// As pmd: how long to wait for what is left of the run to exit once killed, and for its output to end.
const LEFTOVER_WAIT_MS = 2000;

const noProcess: HostProcess = { records: [], mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0, droppedRecords: 0, maps: '', earlierMaps: [], unhooked: false, exitCode: null, reaped: [], unfollowed: [] };

/**
 * Whether pid is a live process of the run in dir: not a zombie (which has closed its files: its records
 * are complete), and with dir in its environment, which every process of the run has and no other (so a
 * pid the system gave to an unrelated process since is left alone). false when it is gone, or another
 * user's.
 */
function aliveInRun(pid: number, dir: string): boolean {
  const state = processStat(pid)?.state;
  if (state === undefined || state === 'Z' || state === 'X') return false;
  try {
    return `\0${fs.readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(`\0PMM_RECORD_DIR=${dir}\0`);
  } catch {
    return false;
  }
}

/**
 * The processes of this run that are still alive besides the program (aliveInRun): they wrote into dir,
 * or a parent named them there (a child just forked or spawned). Of the run's processes with one pid, only
 * the latest can be alive.
 */
function leftovers(dir: string, program: number): RecordDirEntry[] {
  const withFiles = recordDirEntries(dir);
  const latest = withFiles.filter(({ pid }, i) => withFiles[i + 1]?.pid !== pid);
  return [...latest, ...childrenWithoutFiles(dir, withFiles)].filter(({ pid, generation }) =>
    !(pid === program && generation === 0) && aliveInRun(pid, dir));
}

/**
 * The run's other processes that are still alive (aliveInRun): those that neither wrote into dir nor were
 * named there, started by a process without the hook (a statically linked child's own children), which
 * the run does not follow; found in /proc (those readable by this user). A process that replaced its
 * environment by an exec without the hook is not found.
 */
function strays(dir: string, skip: ReadonlySet<number>): number[] {
  return fs.readdirSync('/proc').map(Number).filter((pid) => Number.isInteger(pid) && !skip.has(pid) && aliveInRun(pid, dir));
}

/** Each reaped child's wait status, as its hooked parent marked it, by the child's files' name. */
function reapedStatuses(processes: HostProcess[]): Map<string, number> {
  const statuses = new Map<string, number>();
  for (const process of processes) for (const { pid, generation, status } of process.reaped) statuses.set(processName(pid, generation), status);
  return statuses;
}

/**
 * How a child ended, as pmd says it from pmm.ko: this run is not its parent. The wait status its parent
 * reaped tells all; else the status it gave exit() or _exit(); else, if the run killed it as a leftover,
 * SIGKILL, and endedByRun. A child killed by a signal and reaped by a parent without the hook stays
 * unknown: both null.
 */
export function childEnding(waitStatus: number | undefined, exitCode: number | null, killedByRun: boolean): Ending & { endedByRun?: true } {
  if (waitStatus !== undefined) return waitStatusEnding(waitStatus);
  if (exitCode !== null) return { exitCode, signal: null };
  return killedByRun ? { exitCode: null, signal: 'SIGKILL', endedByRun: true } : { exitCode: null, signal: null };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * As pmd does in the VM: what the program left running is killed when it exits, and what it recorded
 * until then is reported. Waits (up to LEFTOVER_WAIT_MS) until they have exited, so that each file is
 * whole. Then what those processes' unhooked children left running (strays) is killed too: nothing of
 * the run outlives it, as nothing outlives pmd's run in the guest. Not the launcher (launcher), which is
 * ending by itself.
 */
async function endLeftovers(dir: string, program: number, launcher: number): Promise<Set<string>> {
  const deadline = Date.now() + LEFTOVER_WAIT_MS;
  const killed = new Set<string>();
  const kill = (pid: number): boolean => {
    try {
      process.kill(pid, 'SIGKILL');
      return true;
    } catch {
      return false; // exited meanwhile
    }
  };
  for (let alive = leftovers(dir, program); alive.length > 0 && Date.now() < deadline; alive = leftovers(dir, program)) {
    for (const { pid, name } of alive) if (kill(pid)) killed.add(name);
    await sleep(20);
  }
  // Only where a process ran without the hook (a search of /proc takes milliseconds); at least once, however
  // long the leftovers took.
  if (!ranUnhooked(dir)) return killed;
  const skip = new Set([program, launcher, ownPid()]);
  for (let alive = strays(dir, skip); alive.length > 0; alive = strays(dir, skip)) {
    alive.forEach(kill);
    if (Date.now() >= deadline) break;
    await sleep(20);
  }
  return killed;
}

/**
 * A stream's data into the program's stdin pipe as the program reads it (the pipe holds the stream back),
 * ended with the stream. stop() leaves the stream where it is once the run is over; error says what was
 * wrong with the stream, if anything was.
 */
function feedStdin(source: Readable, pipe: Writable): { stop: () => void; error: () => string | null } {
  const resume = (): void => reader.resume();
  const reader: InputReader = new InputReader(source, {
    piece: (bytes) => {
      if (pipe.write(bytes)) return;
      reader.pause();
      pipe.once('drain', resume);
    },
    end: () => pipe.end(),
  });
  // The program's end closed (it exited, or closed its stdin): the rest goes nowhere, as to a gone reader.
  pipe.on('error', () => reader.stop());
  return {
    stop: () => {
      reader.stop();
      pipe.off('drain', resume);
      pipe.end();
    },
    error: () => reader.error,
  };
}

/** A descriptor open for reading on a file holding input; the file itself is removed at once. */
function stdinFile(file: string, input: Buffer): number {
  fs.writeFileSync(file, input, { mode: 0o600 });
  try {
    return fs.openSync(file, 'r');
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** A file of pmm's own in the run's directory: gone at the end, the program removed pmm's files. */
const RUN_MARK = '.pmm-run';

/**
 * The run's own directory (dir): only the processes of this run write into it, each into its own files.
 * top is what to remove afterwards. Run as root, the program may change its user and go on (a daemon
 * that drops root, runuser, su), and that process, its children and its later images must still write
 * their files: dir then lets every user in, and the hook makes its files writable by all
 * (pmm_host_name.c). So that only the run's processes, which have its name in their environment, find
 * it, dir has a random name inside top, which no other user can list.
 */
function recordDir(): { dir: string; top: string } {
  let top: string;
  try {
    // Absolute: the hook takes only an absolute PMM_RECORD_DIR, and a TMPDIR of "tmp" would leave the program unrecorded.
    top = fs.mkdtempSync(path.join(path.resolve(os.tmpdir()), 'pmm-host-'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message;
    throw new ProgramError(`host mode writes its records under ${os.tmpdir()} (TMPDIR), where it cannot make a folder: ${why}; point TMPDIR at a writable folder`);
  }
  if (process.geteuid?.() !== 0) return { dir: top, top };
  try {
    const dir = path.join(top, randomBytes(16).toString('hex'));
    fs.mkdirSync(dir);
    // Set after mkdir: its mode goes through the umask. Others may pass through top but not list it.
    fs.chmodSync(dir, 0o733);
    fs.chmodSync(top, 0o711);
    return { dir, top };
  } catch (err) {
    fs.rmSync(top, { recursive: true, force: true });
    throw err;
  }
}

/** spawn's E2BIG, in the words of the other programs that cannot start. */
function tooLargeToStart(executable: string): ProgramError {
  return new ProgramStartError(`cannot start ${executable}: its arguments and environment together are larger than execve takes (E2BIG)`, false);
}

export async function runHostRaw(program: string, args: string[], options: HostRunOptions = {}): Promise<RawRun> {
  const hookPath = preloadablePath(options.hook ?? hookLibraryPath());
  const launcher = path.join(packageRoot(), 'hooklib', 'host', 'pmm-launch');
  const input = programInput(options.input);
  const binary = binaryOutput(options.binary);
  const cwd = runDirectory(options.cwd, (message) => new ProgramError(message));
  const env: NodeJS.ProcessEnv = withHookedDefaults({ ...process.env, ...(options.env ?? {}) });
  // Run by its full path, as in the VM: the result names the program alike in both modes.
  const executable = resolveProgram(program, cwd, env.PATH);
  checkHookable(executable, (message) => new ProgramError(message));
  checkHookSettings(env, (message) => new ProgramError(message));
  const { dir, top } = recordDir();
  try {
    fs.writeFileSync(path.join(dir, RUN_MARK), '');
    delete env.NODE_OPTIONS;
    delete env.PMM_RECORD_FD;
    delete env.PMM_MAPS_FILE;
    env.LD_PRELOAD = env.LD_PRELOAD ? `${hookPath}:${env.LD_PRELOAD}` : hookPath;
    env.PMM_RECORD_DIR = dir;
    // The input in a file, as pmd gives it in the VM: the program reads it as with `< file`, may
    // seek in it, and may leave it unread.
    const stdin = Buffer.isBuffer(input) ? stdinFile(`${dir}.stdin`, input) : input ? 'pipe' : options.inheritInput ? 'inherit' : 'ignore';
    let child;
    try {
      const output = options.inheritOutput ? 'inherit' : 'pipe';
      // The program is pmm-launch's child (launch.c says why); descriptor 3 is the launcher's report.
      // The file found here, and the program's name as given for its argv[0] (as execvp and valgrind give it).
      child = spawn(launcher, [String(ownPid()), executable, program, ...args], { cwd, env, stdio: [stdin, output, output, 'pipe'] });
    } catch (err) {
      throw (err as NodeJS.ErrnoException).code === 'E2BIG' ? tooLargeToStart(executable) : err;
    } finally {
      if (typeof stdin === 'number') fs.closeSync(stdin);
    }
    const launched = child;
    const feeding = input !== null && !Buffer.isBuffer(input) ? feedStdin(input, child.stdin!) : null;
    const control = options.control;
    // What the launcher has said so far, read as it comes (the program's pid, to pass signals on).
    const report: LaunchReport = { pid: null, ending: null, failure: null };
    let requestBase: number | null = null;
    let unreadable: unknown = null;
    const ended = (): boolean => report.ending !== null || report.failure !== null;
    // Asks made before the launcher said how to ask: made once it has.
    const asks: string[] = [];
    // Asks sent that the launcher has not answered, and the group's signals it said no ask took, by name.
    const unanswered = new Map<string, number>();
    const groupHad = new Map<string, number>();
    // Every signal the launcher said the program got, passed on or from its group.
    const reached = new Set<string>();
    const take = (counts: Map<string, number>, name: string): boolean => {
      const n = counts.get(name) ?? 0;
      if (n > 0) counts.set(name, n - 1);
      return n > 0;
    };
    const ask = (name: string): boolean => {
      const index = (ASKED_SIGNALS as readonly string[]).indexOf(name);
      if (index < 0) throw new Error(`host mode passes on ${ASKED_SIGNALS.join(', ')}, not ${name}`);
      if (requestBase === null) {
        asks.push(name);
        return true;
      }
      // Its end may be known before the launcher's last lines are read: hadFromGroup tells after.
      if (ended() || launched.exitCode !== null || launched.signalCode !== null) return false;
      // A real-time signal, which ChildProcess.kill does not take by number.
      process.kill(launched.pid!, requestBase + index);
      unanswered.set(name, (unanswered.get(name) ?? 0) + 1);
      return true;
    };
    const read = (line: string): void => {
      if (line === '') return;
      let said: LaunchLine;
      try {
        said = parseLaunchLine(line);
      } catch (error) {
        unreadable ??= error; // thrown once the run has ended
        return;
      }
      noteLaunchLine(report, said);
      if (said.kind === 'pid') {
        requestBase = said.requestBase;
        for (const name of asks.splice(0)) ask(name);
      } else if (said.kind === 'answer') {
        reached.add(said.signal);
        take(unanswered, said.signal);
        control?.signalled?.(said.signal, said.passedOn);
      } else if (said.kind === 'group') {
        reached.add(said.signal);
        // An ask the ended launcher will not answer: this is what it would have said.
        if (take(unanswered, said.signal)) control?.signalled?.(said.signal, false);
        else groupHad.set(said.signal, (groupHad.get(said.signal) ?? 0) + 1);
      }
    };
    const reportStream = child.stdio[3] as Readable;
    reportStream.setEncoding('latin1');
    let partial = '';
    reportStream.on('data', (d: string) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop()!;
      lines.forEach(read);
    });
    const reported = new Promise<void>((resolve) => reportStream.on('close', () => {
      read(partial);
      resolve();
    }));
    if (control) {
      control.signal = ask;
      control.hadFromGroup = (name) => take(groupHad, name);
    }
    // As pmd keeps them: the first OUTPUT_CAP_BYTES of each, the rest read and dropped.
    const out = new CappedOutput();
    const err = new CappedOutput();
    child.stdout?.on('data', (d: Buffer) => out.add(d));
    child.stderr?.on('data', (d: Buffer) => err.add(d));
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    let timedOut = false;
    const timer = options.timeoutMs ? setTimeout(() => {
      timedOut = true;
      // SIGKILL cannot be passed on: the program itself, or, not forked yet, the launcher, whose death kills it.
      const pid = report.pid !== null && !ended() ? report.pid : null;
      try {
        if (pid !== null) process.kill(pid, 'SIGKILL');
        else launched.kill('SIGKILL');
      } catch {
        // ended meanwhile
      }
    }, options.timeoutMs) : null;
    let launcherEnding: Ending;
    try {
      launcherEnding = await new Promise<Ending>((resolve, reject) => {
        child.on('error', (err: NodeJS.ErrnoException) => {
          reject(err.code === 'ENOENT' && !fs.existsSync(launcher)
            ? new ProgramError(`host mode's launcher ${launcher} is not built: run \`npx pmm setup\``)
            : err.code === 'E2BIG' ? tooLargeToStart(executable) : err);
        });
        child.on('exit', (code, sig) => resolve({ exitCode: code, signal: sig }));
      });
      await reported;
    } finally {
      if (timer) clearTimeout(timer);
      feeding?.stop();
    }
    if (unreadable) throw unreadable;
    const inputError = feeding?.error();
    if (inputError) throw new ProgramError(inputError);
    if (report.failure?.stage === 'exec') {
      // In the launcher's child, as pmd's in the VM: worded alike for the same cause.
      const failure = { step: 'execve' as const, errno: report.failure.errno, reason: report.failure.message };
      throw startFailureError(executable, cwd, failure);
    }
    if (report.failure) throw new Error(`pmm-launch lost the program's status: ${report.failure.message}`);
    // The launcher ends after the program, so an ending it did not report is its own: killed (the timeout).
    const { exitCode, signal } = report.ending ?? launcherEnding;
    // Not forked: no process of the run is the program.
    const pid = report.pid ?? -1;
    const killed = await endLeftovers(dir, pid, launched.pid ?? -1);
    // Something else may still hold the program's stdout or stderr (a process without the hook, or
    // one that dropped PMM_RECORD_DIR): what it wrote within LEFTOVER_WAIT_MS is the output.
    let outputTimer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (outputTimer = setTimeout(resolve, LEFTOVER_WAIT_MS)))]);
    clearTimeout(outputTimer);
    child.stdout?.destroy();
    child.stderr?.destroy();
    // A program that empties its TMPDIR (a cleanup step, a test's teardown) takes pmm's files with it:
    // read as they are, the run was a raw ENOENT, or "the hook never started".
    if (!fs.existsSync(path.join(dir, RUN_MARK))) {
      throw new ProgramError(
        `the program removed pmm's files from ${dir}: host mode records each process in files under TMPDIR, and the ` +
          'program (or a process of its run) emptied it, so what it allocated is not known; run it in the VM (without --host), where the records go to pmm.ko',
      );
    }
    const processes = readRecordDir(dir);
    const isProgram = (p: RecordDirEntry): boolean => p.pid === pid && p.generation === 0;
    // The program's status is its own, from its exit here.
    const { exitCode: _marked, reaped: _reaped, unfollowed: _unfollowed, ...own } = processes.find(isProgram)?.process ?? noProcess;
    const reapedBy = reapedStatuses(processes.map((p) => p.process));
    const raw: RawRun = {
      result: {
        program: executable,
        args,
        exitCode,
        signal,
        timedOut,
        ...recordingOffAtStartIn(env),
        ...outputFields(out.bytes(), err.bytes(), binary),
        ...(out.truncated || err.truncated ? { outputTruncated: true } : {}),
      },
      ...own,
      // In pid order (pmd gives them in the order pmm.ko began to monitor them).
      children: processes.filter((p) => !isProgram(p)).map(({ pid: p, name, process: { exitCode, reaped: _own, unfollowed: _none, ...child } }) => ({
        pid: p,
        ...child,
        ...childEnding(reapedBy.get(name), exitCode, killed.has(name)),
      })),
    };
    checkHookStarted(raw, (message) => new ProgramError(message), (name) => reached.has(name));
    return raw;
  } finally {
    fs.rmSync(top, { recursive: true, force: true });
  }
}
