// A streamed run's stdin (pmd/PROTOCOL.md, "stdinStream"): a Readable passed on to pmd as input lines while
// the program runs, never more than INPUT_WINDOW_BYTES ahead of what pmd has taken. A program that reads
// slowly, or not at all, so holds back the reading of the source, as a pipe holds back its writer, and
// an endless source (`yes |`) costs no more memory than the window.
import type { Readable } from 'stream';
import { InputReader } from './InputReader';

/** The most data one input line carries: 64 KiB of base64, within what pmd takes during a run. */
export const INPUT_LINE_BYTES = 48 * 1024;

/** How far the source is read ahead of pmd: past it, reading waits for pmd's inputTaken. */
export const INPUT_WINDOW_BYTES = 256 * 1024;

export class InputPump {
  /** Bytes sent that pmd has not said it took. */
  private inFlight = 0;
  /** No more lines go to pmd: the input has ended, or the program reads no more. */
  private stopped = false;
  private readonly reader: InputReader;

  constructor(
    private readonly id: number,
    source: Readable,
    private readonly send: (line: string) => void,
  ) {
    this.reader = new InputReader(source, { piece: (bytes) => this.pass(bytes), end: () => this.end() });
  }

  /** What was wrong with the source (a chunk that is no bytes, a read that failed): the run fails with it. */
  get error(): string | null {
    return this.reader.error;
  }

  /** pmd's inputTaken: bytes of it are in the program's pipe; closed: the program's stdin has no reader. */
  taken(bytes: number, closed: boolean): void {
    this.inFlight -= bytes;
    if (closed) this.stop();
    else if (this.inFlight < INPUT_WINDOW_BYTES) this.reader.resume();
  }

  /** The run is over (or the program reads no more): the source is no longer read. */
  stop(): void {
    this.stopped = true;
    this.reader.stop();
  }

  private pass(bytes: Buffer): void {
    for (let at = 0; at < bytes.length; at += INPUT_LINE_BYTES) {
      const piece = bytes.subarray(at, at + INPUT_LINE_BYTES);
      this.send(`${JSON.stringify({ id: this.id, type: 'input', data: piece.toString('base64') })}\n`);
    }
    this.inFlight += bytes.length;
    if (this.inFlight >= INPUT_WINDOW_BYTES) this.reader.pause();
  }

  /** The source's end: the program reads EOF once pmd has given it the rest. */
  private end(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.send(`${JSON.stringify({ id: this.id, type: 'input', end: true })}\n`);
  }
}
