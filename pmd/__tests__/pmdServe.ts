// Drives one `pmd serve` process over --stdio for pmd's tests: requests in as lines, answers out parsed.
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import { join, resolve } from 'path';

export const pmdDir = resolve(__dirname, '..');
export const pmdPath = join(pmdDir, 'pmd');

export type Answer = Record<string, unknown> & { type: string; id?: number | null };

/** One `pmd serve` process: requests go in as lines, answers come back as parsed lines, in order. */
export class Pmd {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  stderr = '';
  private pending = '';
  private lines: string[] = [];
  private waiters: Array<(line: string | null) => void> = [];
  private ended = false;

  /** pmd with args, or command with args when something (unshare) is to start pmd. */
  constructor(args: string[] = ['serve', '--stdio'], command = pmdPath) {
    this.child = spawn(command, args);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.pending += chunk;
      let nl: number;
      while ((nl = this.pending.indexOf('\n')) >= 0) {
        this.push(this.pending.slice(0, nl));
        this.pending = this.pending.slice(nl + 1);
      }
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolveExit) =>
      this.child.on('close', (code) => {
        this.ended = true;
        this.waiters.splice(0).forEach((w) => w(null));
        resolveExit(code);
      }),
    );
  }

  private push(line: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(line);
    else this.lines.push(line);
  }

  /** The next answer line, unparsed; fails the test if pmd exits first. */
  nextLine(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.reject(new Error(`pmd exited; stderr: ${this.stderr}`));
    return new Promise((res, rej) =>
      this.waiters.push((l) => (l === null ? rej(new Error(`pmd exited; stderr: ${this.stderr}`)) : res(l))),
    );
  }

  /** The ids of the runs whose "ended" line came, in order: next() passes over those lines. */
  readonly endedRuns: number[] = [];

  async next(): Promise<Answer> {
    for (;;) {
      const answer = JSON.parse(await this.nextLine()) as Answer;
      if (answer.type !== 'ended') return answer;
      this.endedRuns.push(answer.id as number);
    }
  }

  sendRaw(line: string | Buffer): void {
    this.child.stdin.write(Buffer.concat([Buffer.from(line), Buffer.from('\n')]));
  }

  async request(req: Record<string, unknown>): Promise<Answer> {
    this.sendRaw(JSON.stringify(req));
    return this.next();
  }

  kill(): void {
    if (!this.ended) this.child.kill('SIGKILL');
  }
}

let nextId = 1;

/** A run id no earlier request of this test file used. */
export function nextRunId(): number {
  return nextId++;
}

export function runRequest(argv: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: nextRunId(), type: 'run', argv, cwd: '/', env: { PATH: '/usr/bin:/bin' }, hook: null, timeoutMs: 10000, ...extra };
}

export function decode(field: unknown): Buffer {
  expect(typeof field).toBe('string');
  return Buffer.from(field as string, 'base64');
}

