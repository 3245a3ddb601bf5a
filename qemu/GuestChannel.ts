// The host's end of pmd's virtio-serial port: newline-delimited JSON requests and answers (pmd/PROTOCOL.md).
import type { Socket } from 'net';
import type { Readable } from 'stream';
import { CappedOutput } from '../harness/cappedOutput';
import { net } from '../harness/coreModules';
import { InputPump } from './InputPump';
import { MAX_REQUEST_BYTES, type ChildAnswer, type GuestMessage, type ReadyMessage, type RunRequest, type RunResultMessage, type WireMessage } from './protocol';

/** Where a streamed run's output goes as it comes: stdout or stderr, and a piece of it. */
export type OutputListener = (stream: 'stdout' | 'stderr', data: Buffer) => void;

/** Filled in while a run's answer is awaited: reaches its program (pmd's signal and closeOutput requests). */
export interface RunControl {
  /** Sends the program a signal: false, sending none, once it has ended (its run's answer on its way). */
  signal?: (name: string) => boolean;
  /**
   * The reader of that output is gone: pmd closes the pipe the program writes it to, so that its next
   * write there fails (EPIPE, and SIGPIPE to the writer alone) as it would without pmm. False, sending
   * nothing, once the program has ended.
   */
  closeOutput?: (which: 'stdout' | 'stderr') => boolean;
  /**
   * Whether pmd said the program has ended, while what it left is still being collected: seconds, for
   * millions of blocks. A signal then asks to stop, and nothing is left to clean up but the VM.
   */
  ended?: () => boolean;
  /**
   * Host mode: whether signal() passed its signal on, or found that the program had it already from its
   * process group (the terminal's Ctrl-C, a kill of the group), which is not sent again.
   */
  signalled?: (name: string, passedOn: boolean) => void;
  /**
   * Host mode, once the run has been read: whether the program had a signal of that name from its process
   * group that no signal() took (each counts once). pmm gets the group's kill as the program does, but the
   * program may die of it, and its end be known, before pmm's handler runs: signal() then said false.
   */
  hadFromGroup?: (name: string) => boolean;
  /**
   * Set with signal(): whether signal() sent one of that name. A program it ended before its hook started
   * recorded nothing, and is none of the programs the hook cannot enter (checkHookStarted). Host mode
   * knows that itself, and of the process group's signals too.
   */
  reached?: (name: string) => boolean;
  /**
   * Stop and start reading what the guest sends, for a streamed run whose output's reader is slower than
   * the program: pmd then waits to write, and the program, its pipe full, waits too, as it would writing
   * to that reader without pmm, instead of pmm keeping all it wrote in memory.
   */
  pause?: () => void;
  resume?: () => void;
}

/** A streamed run's output: passed on as it comes, and kept (its first 16 MiB of each) for the result. */
interface Streamed {
  listener: OutputListener;
  stdout: CappedOutput;
  stderr: CappedOutput;
}

/**
 * An answer awaited, and what pmd sent ahead of it: the run's children, and its output when streamed; and
 * its stdin when that is streamed to it.
 */
type Pending = { resolve: (m: GuestMessage) => void; reject: (e: Error) => void; children: ChildAnswer[]; streamed?: Streamed; input?: InputPump; ended?: true };

/**
 * A request pmd could not read, refused before it was sent: pmd would answer it without knowing its id, and
 * the run would wait for an answer that never comes. The channel is as it was.
 */
export class RequestRefusedError extends Error {}

/** A request longer than pmd reads. */
export class RequestTooLongError extends RequestRefusedError {
  constructor(bytes: number) {
    super(
      `pmm: the run's request to the guest is ${bytes} bytes, more than the ${MAX_REQUEST_BYTES} (64 MiB) pmd ` +
        'reads: the program\'s arguments, environment and input must be smaller together',
    );
    this.name = 'RequestTooLongError';
  }
}

/** A request with a string that is not text: half of a UTF-16 surrogate pair, which has no UTF-8. */
export class RequestNotTextError extends RequestRefusedError {
  constructor(where: string) {
    super(`pmm: the run's ${where} has half of a UTF-16 surrogate pair, which is not text: a program can only be given whole characters`);
    this.name = 'RequestNotTextError';
  }
}

/**
 * A streamed stdin that could not be read to its end (InputReader's error says why, and that the program
 * read EOF there): its run is not trusted. The guest is fine.
 */
export class InputStreamError extends RequestRefusedError {
  constructor(why: string) {
    super(`pmm: ${why}`);
    this.name = 'InputStreamError';
  }
}

const HALF_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Which string of a run request has half a surrogate pair, in a user's words (with it, escaped); null when none. */
function halfSurrogateIn(body: Omit<RunRequest, 'id'> | { type: 'shutdown' }): string | null {
  if (!('argv' in body)) return null;
  const strings: Array<[string, string]> = [
    ...body.argv.map((arg, i): [string, string] => [i === 0 ? 'program' : `argument ${i}`, arg]),
    ['working directory', body.cwd],
    ...Object.entries(body.env).flatMap(([name, value]): Array<[string, string]> => [['name of a variable', name], [`variable ${name}`, value]]),
  ];
  const found = strings.find(([, text]) => HALF_SURROGATE.test(text));
  return found ? `${found[0]} ${JSON.stringify(found[1])}` : null;
}

/**
 * The longest line read: one JavaScript string holds at most about 512 MiB (2^29 - 24 UTF-16 units in
 * V8). pmd sends each process of a run on a line of its own, and pmm.ko keeps at most max_records
 * (1,000,000) records per process, about 400 MB as pmd writes them: only a raised max_records gets here.
 */
export const MAX_LINE_CHARS = 500 * 2 ** 20;

export class GuestChannel {
  /** The pieces of the line being received, not yet ended by a newline. */
  private partial: string[] = [];
  private partialChars = 0;
  /** The rest of a line over maxLineChars is being passed over, up to its newline. */
  private skipping = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readyWaiters: Array<(m: ReadyMessage) => void> = [];
  private ready: ReadyMessage | null = null;
  private failure: Error | null = null;
  private holdOnlyWhileBusy = false;

  constructor(
    private readonly socket: Socket,
    private readonly maxLineChars = MAX_LINE_CHARS,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => this.fail(new Error('the guest channel closed')));
    socket.on('error', (err) => this.fail(err));
  }

  static connect(socketPath: string, maxLineChars = MAX_LINE_CHARS): Promise<GuestChannel> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection(socketPath);
      s.once('connect', () => resolve(new GuestChannel(s, maxLineChars)));
      s.once('error', reject);
    });
  }

  /** Resolves when pmd says it is up. */
  whenReady(): Promise<ReadyMessage> {
    if (this.ready) return Promise.resolve(this.ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /**
   * Sends a request; with onOutput, a run's output comes there as the program writes it (stream); with
   * control, its signal() reaches the run's program while the answer is awaited; with input, the program's
   * stdin is a pipe that input's data goes into as the program reads it (stdinStream).
   */
  request(body: Omit<RunRequest, 'id'> | { type: 'shutdown' }, onOutput?: OutputListener, control?: RunControl, input?: Readable): Promise<GuestMessage> {
    if (this.failure) return Promise.reject(this.failure);
    const notText = halfSurrogateIn(body);
    if (notText !== null) return Promise.reject(new RequestNotTextError(notText));
    const id = this.nextId++;
    const line = JSON.stringify({ id, ...body, ...(onOutput ? { stream: true } : {}), ...(input ? { stdinStream: true } : {}) }) + '\n';
    // pmd would refuse it without knowing its id, and this run would wait for an answer that never comes.
    const bytes = Buffer.byteLength(line);
    if (bytes > MAX_REQUEST_BYTES) return Promise.reject(new RequestTooLongError(bytes));
    return new Promise((resolve, reject) => {
      const streamed = onOutput ? { listener: onOutput, stdout: new CappedOutput(), stderr: new CappedOutput() } : undefined;
      this.pending.set(id, { resolve, reject, children: [], ...(streamed ? { streamed } : {}) });
      this.updateHold();
      this.socket.write(line);
      if (input) {
        const pending = this.pending.get(id)!;
        pending.input = new InputPump(id, input, (inputLine) => {
          if (this.pending.has(id) && !this.failure) this.socket.write(inputLine);
        });
      }
      if (control) {
        const sent = new Set<string>();
        // Both are dropped by pmd for a run that has ended; short lines, read while the run goes on.
        const sendWhileRunning = (request: Record<string, unknown>): boolean => {
          if (!this.pending.has(id) || this.pending.get(id)?.ended || this.failure) return false;
          this.socket.write(`${JSON.stringify({ id, ...request })}\n`);
          return true;
        };
        control.signal = (name) => {
          if (!sendWhileRunning({ type: 'signal', signal: name })) return false;
          sent.add(name);
          return true;
        };
        control.closeOutput = (which) => sendWhileRunning({ type: 'closeOutput', stream: which });
        control.reached = (name) => sent.has(name);
        control.ended = () => this.pending.get(id)?.ended === true;
        control.pause = () => {
          if (this.pending.has(id)) this.socket.pause();
        };
        control.resume = () => this.socket.resume();
      }
    });
  }

  /** From now on the socket keeps the process alive only while an answer is awaited. */
  holdWhileBusy(): void {
    this.holdOnlyWhileBusy = true;
    this.updateHold();
  }

  private updateHold(): void {
    if (!this.holdOnlyWhileBusy) return;
    if (this.pending.size > 0) this.socket.ref();
    else this.socket.unref();
  }

  /** Rejects everything waiting with err; later requests fail with it too. */
  fail(err: Error): void {
    if (!this.failure) this.failure = err;
    this.rejectWaiting(err);
  }

  /** Rejects everything waiting with err (their input no longer read); the channel itself goes on. */
  private rejectWaiting(err: Error): void {
    for (const p of this.pending.values()) {
      p.input?.stop();
      p.reject(err);
    }
    this.pending.clear();
    this.updateHold();
  }

  close(): void {
    this.fail(new Error('the guest channel was closed'));
    this.socket.destroy();
  }

  /**
   * Lines from the stream. Only the new chunk is searched for the end of a line, and a line's pieces are
   * joined once: an answer can be hundreds of megabytes (a program that leaked a million blocks), and
   * searching all that was received for each chunk took quadratic time.
   */
  private onData(chunk: string): void {
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf('\n', start)) >= 0) {
      const piece = chunk.slice(start, newline);
      start = newline + 1;
      // The end of a line passed over, or of one that this piece makes too long.
      if (this.skipping || this.overLong(piece)) {
        this.skipping = false;
        continue;
      }
      this.partial.push(piece);
      const line = this.partial.join('');
      this.partial = [];
      this.partialChars = 0;
      if (line.trim() !== '') this.onLine(line);
    }
    const rest = chunk.slice(start);
    if (rest !== '' && !this.skipping && !this.overLong(rest)) {
      this.partial.push(rest);
      this.partialChars += rest.length;
    }
  }

  /**
   * Whether piece makes the line too long to hold: then what waits fails (the line's id is not known, so
   * all of it), and the rest of the line is passed over. The channel goes on with the next line.
   */
  private overLong(piece: string): boolean {
    if (this.partialChars + piece.length <= this.maxLineChars) return false;
    const mib = Math.floor(this.maxLineChars / 2 ** 20);
    this.partial = [];
    this.partialChars = 0;
    this.skipping = true;
    const err = new Error(
      `pmd sent an answer line of more than ${mib} MiB, more than one string can hold here; the runs waiting ` +
        'for answers failed (a process with more records than pmm.ko keeps by default: lower its max_records)',
    );
    this.rejectWaiting(err);
    return true;
  }

  private onLine(line: string): void {
    let message: WireMessage;
    try {
      message = JSON.parse(line) as WireMessage;
    } catch {
      this.fail(new Error(`pmd sent a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    if (message.type === 'ready') {
      this.ready = message;
      for (const w of this.readyWaiters.splice(0)) w(message);
      return;
    }
    // pmd could not read a request (not even its id): which run it was is unknown, so none can go on.
    const id = message.id;
    if (id === null) {
      this.fail(new Error(`pmd could not read a request: ${message.type === 'error' ? message.message : message.type}`));
      return;
    }
    const waiter = this.pending.get(id);
    if (!waiter) return;
    if (message.type === 'child') {
      const { id: _id, type: _type, ...child } = message;
      waiter.children.push(child);
      return;
    }
    if (message.type === 'output') {
      const data = Buffer.from(message.data, 'base64');
      waiter.streamed?.[message.stream].add(data);
      waiter.streamed?.listener(message.stream, data);
      return;
    }
    if (message.type === 'inputTaken') {
      waiter.input?.taken(message.bytes, message.closed === true);
      return;
    }
    if (message.type === 'ended') {
      waiter.ended = true;
      return;
    }
    this.pending.delete(id);
    this.updateHold();
    waiter.input?.stop();
    if (waiter.input?.error) {
      waiter.reject(new InputStreamError(waiter.input.error));
      return;
    }
    if (message.type === 'result' && waiter.streamed) {
      // The output came in pieces: the result carries what a run keeps of it, as pmd does unstreamed.
      const { stdout, stderr } = waiter.streamed;
      message.stdout = stdout.bytes().toString('base64');
      message.stderr = stderr.bytes().toString('base64');
      if (stdout.truncated || stderr.truncated) message.truncated = true;
    }
    if (message.type === 'result' && message.children !== undefined) {
      if (message.children !== waiter.children.length) {
        waiter.reject(new Error(`pmd announced ${message.children} children of run ${message.id} but sent ${waiter.children.length}`));
        return;
      }
      waiter.resolve({ ...message, children: waiter.children } as RunResultMessage);
      return;
    }
    waiter.resolve(message as GuestMessage);
  }
}
