// The host's end of pmd's virtio-serial port: newline-delimited JSON requests and answers (pmd/PROTOCOL.md).
import * as net from 'net';
import type { GuestMessage, ReadyMessage, RunRequest } from './protocol';

type Pending = { resolve: (m: GuestMessage) => void; reject: (e: Error) => void };

export class GuestChannel {
  /** The pieces of the line being received, not yet ended by a newline. */
  private partial: string[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readyWaiters: Array<(m: ReadyMessage) => void> = [];
  private ready: ReadyMessage | null = null;
  private failure: Error | null = null;
  private holdOnlyWhileBusy = false;

  constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => this.fail(new Error('the guest channel closed')));
    socket.on('error', (err) => this.fail(err));
  }

  static connect(socketPath: string): Promise<GuestChannel> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection(socketPath);
      s.once('connect', () => resolve(new GuestChannel(s)));
      s.once('error', reject);
    });
  }

  /** Resolves when pmd says it is up. */
  whenReady(): Promise<ReadyMessage> {
    if (this.ready) return Promise.resolve(this.ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  request(body: Omit<RunRequest, 'id'> | { type: 'shutdown' }): Promise<GuestMessage> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.updateHold();
      this.socket.write(JSON.stringify({ id, ...body }) + '\n');
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
    for (const p of this.pending.values()) p.reject(err);
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
      this.partial.push(chunk.slice(start, newline));
      const line = this.partial.join('');
      this.partial = [];
      start = newline + 1;
      if (line.trim() !== '') this.onLine(line);
    }
    if (start < chunk.length) this.partial.push(chunk.slice(start));
  }

  private onLine(line: string): void {
    let message: GuestMessage;
    try {
      message = JSON.parse(line) as GuestMessage;
    } catch {
      this.fail(new Error(`pmd sent a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    if (message.type === 'ready') {
      this.ready = message;
      for (const w of this.readyWaiters.splice(0)) w(message);
      return;
    }
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    this.updateHold();
    waiter.resolve(message);
  }
}
