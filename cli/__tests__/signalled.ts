// Test helpers: pmm with args, sent a signal once a text shows in its stdout or stderr (its program's
// "waiting", or pmm's own "booting"), as timeout(1) would; or run on a terminal, where keys are typed.
import { spawn } from 'child_process';
import * as fs from 'fs';
import { allProcessStats, processStat } from '../../harness/processStat';

export interface Signalled {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** pmm's child processes when it was sent the signal: in host mode, the program's launcher. */
  children: number[];
  /** Every process below pmm then: in host mode, the launcher and the program. */
  descendants: number[];
}

/** The processes whose parent is pid, by /proc. */
function childrenOf(pid: number): number[] {
  return allProcessStats().filter((stat) => stat.ppid === pid).map((stat) => stat.pid);
}

export function pmmSignalled(
  cli: string,
  cwd: string,
  args: string[],
  signal: NodeJS.Signals,
  // child: and then only once pmm has a child process (QEMU, which starts just after pmm says it boots);
  // afterMs: that long after the text.
  when: { stream: 'stdout' | 'stderr'; text: string; child?: boolean; afterMs?: number },
  env: NodeJS.ProcessEnv = process.env,
): Promise<Signalled> {
  const child = spawn(process.execPath, [cli, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen = { stdout: '', stderr: '' };
  let children: number[] = [];
  let descendants: number[] = [];
  let sent = false;
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].on('data', (d: Buffer) => {
      seen[stream] += d.toString();
      if (!sent && stream === when.stream && seen[stream].includes(when.text)) {
        sent = true;
        const deadline = Date.now() + 10_000;
        const send = (): void => {
          children = childrenOf(child.pid!);
          descendants = processTree(child.pid!).slice(1);
          if (when.child && children.length === 0 && Date.now() < deadline) setTimeout(send, 10);
          else child.kill(signal);
        };
        setTimeout(send, when.afterMs ?? 0);
      }
    });
  }
  // Once pmm has exited, its output ends, unless a process it left behind still holds its pipes (the
  // fault these tests look for): then what came within 5 s is the answer.
  return new Promise((resolve) => {
    const done = (status: number | null, sig: NodeJS.Signals | null): void => resolve({ status, signal: sig, ...seen, children, descendants });
    child.on('exit', (status, sig) => setTimeout(() => done(status, sig), 5000).unref());
    child.on('close', done);
  });
}

/** pmm on a terminal (script(1) gives it one): what it wrote there, and keys typed. */
export interface TerminalSession {
  /** script's pid: pmm is below it. */
  pid: number;
  /** All that pmm and its program wrote to the terminal (and the terminal's echo of the keys). */
  output(): string;
  /**
   * Resolves once the output shows text; given ms, rejects after that with what it shows, so that a test
   * that waited in vain says where, rather than only that its own time ran out.
   */
  waitFor(text: string, ms?: number): Promise<void>;
  /** Ctrl-C ('\x03') makes the terminal send SIGINT to its foreground process group, pmm's. */
  type(keys: string): void;
  /** script's status, once all has ended. */
  closed: Promise<number | null>;
  /** closed, or a rejection after ms with the output and what more says (the processes' states). */
  closedWithin(ms: number, more?: () => string): Promise<number | null>;
}

/** promise, or a rejection after ms with why()'s words. */
function within<T>(promise: Promise<T>, ms: number, why: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(why())), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** stderrTo: a file for pmm's stderr instead of the terminal, to read once the terminal is gone. */
export function terminalSession(cli: string, cwd: string, args: string[], stderrTo?: string): TerminalSession {
  const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;
  // script runs the command with $SHELL -c: exec, so that pmm is script's child whichever shell that is
  // (bash execs a lone command itself, dash does not; CI may leave SHELL unset, which means /bin/sh).
  const command = `exec ${[process.execPath, cli, ...args].map(quote).join(' ')}${stderrTo === undefined ? '' : ` 2>${quote(stderrTo)}`}`;
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
  let raw = '';
  // A terminal ends its lines with \r\n.
  const output = (): string => raw.replace(/\r\n/g, '\n');
  const waiting: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.on('data', (d: Buffer) => {
    raw += d.toString();
    for (const w of waiting.filter((w) => output().includes(w.text))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const shows = (): string => `the terminal shows ${JSON.stringify(output())}`;
  return {
    pid: child.pid!,
    output,
    waitFor: (text, ms) => {
      if (output().includes(text)) return Promise.resolve();
      const seen = new Promise<void>((resolve) => waiting.push({ text, resolve }));
      return ms === undefined ? seen : within(seen, ms, () => `no ${JSON.stringify(text)} after ${ms} ms; ${shows()}`);
    },
    type: (keys) => child.stdin.write(keys),
    closed,
    closedWithin: (ms, more = () => '') => within(closed, ms, () => `script still running after ${ms} ms; ${shows()}${more()}`),
  };
}

/** pmm on a terminal, and keys typed once its output shows text: what it wrote, and script's status. */
export async function pmmOnTerminal(cli: string, cwd: string, args: string[], text: string, keys: string): Promise<{ output: string; status: number | null }> {
  const session = terminalSession(cli, cwd, args);
  await session.waitFor(text);
  session.type(keys);
  const status = await session.closed;
  return { output: session.output(), status };
}

/** The processes below pid, and its own, by /proc. */
export function processTree(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(processTree)];
}

/** A process's state letter (R, S, T for stopped, Z...), or null when it is gone. */
export function processState(pid: number): string | null {
  return processStat(pid)?.state ?? null;
}

/**
 * Polls condition every 50 ms, for at most ms by the clock (on a loaded machine a 50 ms timer takes longer,
 * and counting them made a 10 s wait last past a test's time): what it gave last.
 */
export async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
}

/**
 * The pmm processes below top (a terminal's script, a shell): node running cli. script's own command line
 * names cli too, as an argument of its command.
 */
export function pmmProcessesBelow(top: number, cli: string): number[] {
  return processTree(top).filter((pid) => pid !== top && processCommand(pid).startsWith(`${process.execPath} ${cli} `));
}

/** A process's command line, by /proc ('' when it is gone). */
export function processCommand(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
