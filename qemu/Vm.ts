// One guest VM: boots QEMU, connects to pmd and QMP, runs programs, and always cleans up after itself.
import type { ChildProcess } from 'child_process';
import type { WriteStream } from 'fs';
import type { Readable } from 'stream';
import { childProcess, fs, os, path } from '../harness/coreModules';
import { endingWords } from '../harness/signalNames';
import { consoleExcerpt, findConsoleFault } from './consoleLog';
import { GuestChannel, RequestRefusedError, type OutputListener, type RunControl } from './GuestChannel';
import type { GuestMessage, ReadyMessage, RunRequest, RunResultMessage, StartFailure } from './protocol';
import { Qmp } from './Qmp';
import { qemuArgs, qemuEnvironment, socketPaths } from './qemuArgs';
import type { VmOptions } from './types';

const { spawn, spawnSync } = childProcess;

export type VmState = 'booting' | 'ready' | 'closed' | 'failed';

export type VmEvent =
  | { type: 'boot-start'; accel: string; consoleLog: string }
  | { type: 'boot-end'; ok: true; ms: number; kernel: string }
  | { type: 'boot-end'; ok: false; error: Error }
  | { type: 'run-start'; argv: string[] }
  | { type: 'run-end'; argv: string[]; ms: number };

export class VmError extends Error {
  constructor(message: string, readonly consoleLog: string) {
    super(message);
    this.name = 'VmError';
  }
}

/** pmd could not start the program (its file, its interpreter, its cwd): the run's fault, not the VM's. */
export class ProgramNotStartedError extends Error {
  constructor(message: string, readonly failure: StartFailure) {
    super(message);
    this.name = 'ProgramNotStartedError';
  }
}

// Margin on top of a program's own timeout before the VM itself is declared hung.
const RUN_MARGIN_MS = 30_000;
const SOCKET_WAIT_MS = 10_000;
const CONSOLE_TAIL_BYTES = 64 * 1024;
// On some machines /dev/kvm is there and a guest hangs at boot under it: said where KVM was asked for by name.
const KVM_HANG_HINT = '; under KVM, which on some machines hangs a guest at boot though /dev/kvm is there: accel "auto" (the default) tries KVM first and falls back to TCG, "tcg" does without it';

const live = new Set<Vm>();
let exitHookInstalled = false;

/**
 * Kills every VM of this process at once (SIGKILL): for a process about to die of a signal, which runs
 * no exit handler. The parent-death signal alone can miss a QEMU started a moment before: setpriv sets
 * it only once it runs, and a parent already gone is never signalled.
 */
export function killLiveVms(): void {
  for (const vm of live) vm.killNow();
}

/** Stops (SIGSTOP) or starts again (SIGCONT) every VM of this process: pmm's Ctrl-Z (cli/jobControl.ts). */
export function signalLiveVms(signal: 'SIGSTOP' | 'SIGCONT'): void {
  for (const vm of live) vm.signalNow(signal);
}

/** QEMU dies with us: on a normal exit here, and through the parent-death signal on any other. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killLiveVms);
}

/**
 * setpriv makes the kernel send SIGKILL to QEMU when this process dies, however it dies. QEMU then
 * runs in a session of its own (detached), away from the terminal: a Ctrl-C there goes to pmm, which
 * passes it on to the program in the guest (cli/forwardSignals.ts), and must not end the VM under the
 * run. Without setpriv, QEMU stays in pmm's process group, so that a Ctrl-C that ends pmm ends it too.
 */
/** QEMU's end, with the last of what it wrote to stderr (its reason, when it has one). */
export function qemuEnded(code: number | null, signal: string | null, stderr: string): string {
  return `QEMU ${endingWords(code, signal)}${stderr.trim() ? `: ${stderr.trim()}` : ''}`;
}

export function qemuCommand(args: string[]): { command: string; args: string[]; detached: boolean } {
  const setpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' });
  if (!setpriv.error && setpriv.status === 0) {
    return { command: 'setpriv', args: ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...args], detached: true };
  }
  return { command: 'qemu-system-x86_64', args, detached: false };
}

export class Vm {
  state: VmState = 'booting';
  kernel = '';
  private child: ChildProcess | null = null;
  private channel: GuestChannel | null = null;
  private qmp: Qmp | null = null;
  private consoleTail = '';
  private stderr = '';
  private readonly consoleStream: WriteStream;
  private readonly exited: Promise<void>;
  private markExited: () => void = () => undefined;
  private fatal: VmError | null = null;
  private onFatal: Array<(e: Error) => void> = [];

  private constructor(
    readonly options: VmOptions,
    private readonly onEvent: (e: VmEvent) => void,
  ) {
    fs.mkdirSync(path.dirname(options.consoleLog), { recursive: true });
    // Not through a link: the log's folder may be one others can write in (a caller's own choice).
    const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW } = fs.constants;
    this.consoleStream = fs.createWriteStream('', { fd: fs.openSync(options.consoleLog, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o644) });
    this.exited = new Promise((resolve) => (this.markExited = resolve));
  }

  static async boot(options: VmOptions, onEvent: (e: VmEvent) => void = () => undefined): Promise<Vm> {
    const vm = new Vm(options, onEvent);
    try {
      await vm.start();
      return vm;
    } catch (err) {
      // A connection error is often only the echo of QEMU exiting: give the exit a moment to be heard,
      // so that the error names the cause (and carries the console) rather than a reset socket. A timer
      // that holds Node: when QEMU never started, nothing else does, and `pmm run` ended with status 0.
      await Promise.race([vm.exited, sleep(1000, { holding: true })]);
      const error = vm.fatal ?? vm.bootError(err instanceof Error ? err : new Error(String(err)));
      await vm.close();
      vm.state = 'failed';
      onEvent({ type: 'boot-end', ok: false, error });
      throw error;
    }
  }

  /** Makes a fresh folder for a VM's sockets. */
  static makeRunDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-vm-'));
  }

  private async start(): Promise<void> {
    const started = Date.now();
    installExitHook();
    live.add(this);
    this.onEvent({ type: 'boot-start', accel: this.options.accel, consoleLog: this.options.consoleLog });
    const { command, args, detached } = qemuCommand(qemuArgs(this.options));
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached, env: qemuEnvironment() });
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => this.onConsole(chunk));
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8192);
    });
    child.on('error', (err) => this.die(new Error(`could not start QEMU (qemu-system-x86_64): ${err.message}`)));
    child.on('exit', (code, signal) => {
      this.markExited();
      this.die(new Error(qemuEnded(code, signal, this.stderr)));
    });

    const sockets = socketPaths(this.options.runDir);
    this.qmp = await this.untilFatal(this.connect(() => Qmp.connect(sockets.qmp)));
    this.channel = await this.untilFatal(this.connect(() => GuestChannel.connect(sockets.channel)));
    // Connections outlive their paths: remove the folder now, so nothing is left even if we are killed.
    fs.rmSync(this.options.runDir, { recursive: true, force: true });

    const ready: ReadyMessage = await this.untilFatal(
      withTimeout(this.channel.whenReady(), this.options.bootTimeoutMs, () =>
        new Error(`the guest did not come up within ${this.options.bootTimeoutMs} ms${this.options.accel === 'kvm' ? KVM_HANG_HINT : ''}`)),
    );
    this.kernel = ready.kernel;
    if (!ready.pmmLoaded) throw new Error(`pmm.ko is not loaded in guest kernel ${ready.kernel}`);
    this.state = 'ready';
    // An idle VM must not keep Node alive: the channel holds the event loop only while a run is pending,
    // and the exit hook and the parent-death signal end QEMU when the process goes.
    child.unref();
    (child.stdout as unknown as { unref(): void }).unref();
    (child.stderr as unknown as { unref(): void }).unref();
    this.qmp.unref();
    this.channel.holdWhileBusy();
    this.onEvent({ type: 'boot-end', ok: true, ms: Date.now() - started, kernel: ready.kernel });
  }

  /**
   * Runs one program in the guest; rejects with a VmError if the VM dies or hangs meanwhile. With
   * onOutput, the program's output also comes there as it runs; with input, its stdin is read from there
   * as it runs.
   */
  async run(request: Omit<RunRequest, 'id' | 'type'>, onOutput?: OutputListener, control?: RunControl, input?: Readable): Promise<RunResultMessage> {
    if (this.state === 'closed') throw new Error('the VM is closed');
    if (this.state !== 'ready' || !this.channel) throw this.fatal ?? new Error(`the VM is ${this.state}, not ready`);
    const started = Date.now();
    this.onEvent({ type: 'run-start', argv: request.argv });
    const limit = request.timeoutMs > 0 ? request.timeoutMs + RUN_MARGIN_MS : 0;
    let answer: GuestMessage;
    try {
      const asked = this.channel.request({ type: 'run', ...request }, onOutput, control, input);
      answer = await this.untilFatal(
        limit > 0
          ? withTimeout(asked, limit, () => new Error(`the guest did not answer within ${limit} ms`))
          : asked,
      );
    } catch (err) {
      // Refused before anything was sent: the guest is fine.
      if (err instanceof RequestRefusedError) throw err;
      const error = err instanceof Error ? err : new Error(String(err));
      // A guest that stops answering is not trusted with the next run.
      this.die(error);
      await this.close();
      // A fatal error of the VM (a panic) already carries the console's excerpt: not quoted twice.
      if (error instanceof VmError) throw error;
      throw this.vmError(`running ${request.argv[0]} in the VM failed: ${error.message}`);
    } finally {
      this.onEvent({ type: 'run-end', argv: request.argv, ms: Date.now() - started });
    }
    if (answer.type === 'error') throw answer.cannotStart ? new ProgramNotStartedError(answer.message, answer.cannotStart) : new Error(answer.message);
    if (answer.type !== 'result') throw new Error(`pmd answered a run with ${answer.type}`);
    return answer;
  }

  /** Stops QEMU and releases every handle. Safe to call more than once, and after a failed boot. */
  async close(): Promise<void> {
    if (this.state === 'ready' || this.state === 'booting') this.state = 'closed';
    this.channel?.close();
    this.channel = null;
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      // Whoever awaits close() must not see Node exit under them: hold the loop until QEMU is gone.
      this.child.ref();
      try {
        await withTimeout(this.qmp ? this.qmp.execute('quit') : Promise.reject(new Error('no QMP')), 2000, () =>
          new Error('QMP quit timed out'));
      } catch {
        // QEMU may already be going; the kill below makes sure.
      }
      // The child, held above, keeps Node alive while QEMU goes; a held timer here would keep it alive for the
      // whole 2 s even after QEMU had gone.
      const gone = await withTimeout(this.exited.then(() => true), 2000, () => new Error('QEMU did not quit')).catch(
        () => false,
      );
      if (!gone) {
        this.killNow();
        await this.exited;
      }
    }
    this.qmp?.close();
    this.qmp = null;
    fs.rmSync(this.options.runDir, { recursive: true, force: true });
    live.delete(this);
    await new Promise<void>((resolve) => this.consoleStream.end(resolve));
  }

  /** The last lines of the serial console. */
  consoleExcerpt(lines = 30): string {
    return consoleExcerpt(this.consoleTail, lines);
  }

  /** A signal to QEMU, while it runs. */
  signalNow(signal: 'SIGSTOP' | 'SIGCONT' | 'SIGKILL'): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** SIGKILL to QEMU, and its sockets' folder gone (still there while it boots): for a process about to end. */
  killNow(): void {
    this.signalNow('SIGKILL');
    fs.rmSync(this.options.runDir, { recursive: true, force: true });
  }

  private vmError(message: string): VmError {
    return new VmError(
      `${message}\nguest console (${this.options.consoleLog}):\n${this.consoleExcerpt()}`,
      this.options.consoleLog,
    );
  }

  private onConsole(chunk: Buffer): void {
    this.consoleStream.write(chunk);
    this.consoleTail = (this.consoleTail + chunk.toString('utf8')).slice(-CONSOLE_TAIL_BYTES);
    // Only whole lines: a marker read half-way would give half a message.
    const fault = findConsoleFault(this.consoleTail.slice(0, this.consoleTail.lastIndexOf('\n') + 1));
    if (!fault) return;
    if (fault.kind === 'init-error') this.die(new Error(fault.line));
    else this.die(new Error(`the guest kernel ${fault.kind === 'panic' ? 'panicked' : 'oopsed'}: ${fault.line}`));
  }

  /** Records the first fatal error, wakes everyone waiting on the VM, and ends the channel. */
  private die(err: Error): void {
    if (this.fatal) return;
    this.fatal = this.state === 'booting' ? this.bootError(err) : this.vmError(err.message);
    if (this.state !== 'closed') this.state = 'failed';
    for (const f of this.onFatal.splice(0)) f(this.fatal);
    this.channel?.fail(this.fatal);
  }

  private bootError(err: Error): VmError {
    if (err instanceof VmError) return err;
    return this.vmError(`the VM did not boot (kernel ${this.options.files.kernel}, ${this.options.accel}): ${err.message}`);
  }

  /** Races p against the VM dying. */
  private untilFatal<T>(p: Promise<T>): Promise<T> {
    if (this.fatal) return Promise.reject(this.fatal);
    return new Promise<T>((resolve, reject) => {
      this.onFatal.push(reject);
      const forget = (): void => {
        const i = this.onFatal.indexOf(reject);
        if (i >= 0) this.onFatal.splice(i, 1);
      };
      p.then(
        (v) => {
          forget();
          resolve(v);
        },
        (e) => {
          forget();
          reject(e);
        },
      );
    });
  }

  /**
   * Connects to one of QEMU's sockets. QEMU creates them as it starts, and a path can exist a moment before
   * it listens: until then the connection is refused, so try again until SOCKET_WAIT_MS has passed.
   */
  private async connect<T>(attempt: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + SOCKET_WAIT_MS;
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || this.fatal) throw err;
        if (Date.now() > deadline) throw new Error(`QEMU did not open its sockets in ${this.options.runDir}: ${code}`);
        await sleep(10);
      }
    }
  }
}

/** A timer that never keeps Node alive, unless holding. */
function sleep(ms: number, { holding = false } = {}): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (!holding) timer.unref();
  });
}

/** Rejects with error() after ms. The timer never holds Node open: QEMU or a pending answer does that. */
function withTimeout<T>(p: Promise<T>, ms: number, error: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(error()), ms);
    timer.unref();
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
