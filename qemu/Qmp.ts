// A minimal QMP client: enough to leave capabilities negotiation and to ask QEMU to quit.
import type { Socket } from 'net';
import { net, readline } from '../harness/coreModules';

export class Qmp {
  private readonly socket: Socket;
  private readonly waiting: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  private closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    const lines = readline.createInterface({ input: socket });
    lines.on('line', (line) => this.onLine(line));
    // readline re-emits the socket's errors; the socket's own handler below deals with them.
    lines.on('error', () => undefined);
    socket.on('close', () => this.failAll(new Error('QMP connection closed')));
    socket.on('error', (err) => this.failAll(err));
  }

  static async connect(socketPath: string): Promise<Qmp> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = net.createConnection(socketPath);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const qmp = new Qmp(socket);
    // The greeting arrives unasked; answers are matched in order after it.
    await new Promise<void>((resolve, reject) => qmp.waiting.push({ resolve: () => resolve(), reject }));
    await qmp.execute('qmp_capabilities');
    return qmp;
  }

  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('QMP connection closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}) }) + '\n');
    });
  }

  /** Lets the process exit while this connection is open. */
  unref(): void {
    this.socket.unref();
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onLine(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if ('event' in message) return; // asynchronous events are not answers
    const next = this.waiting.shift();
    if (!next) return;
    if ('error' in message) next.reject(new Error(`QMP: ${JSON.stringify(message.error)}`));
    else next.resolve(message.return ?? message.QMP);
  }

  private failAll(err: Error): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(err);
  }
}
