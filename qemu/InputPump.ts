// A streamed run's stdin (pmd/PROTOCOL.md, "stdinStream"): a Readable passed on to pmd as input lines while
// the program runs, never more than INPUT_WINDOW_BYTES ahead of what pmd has taken. A program that reads
// slowly, or not at all, so holds back the reading of the source, as a pipe holds back its writer, and
// an endless source (`yes |`) costs no more memory than the window.
import type { Readable } from 'stream';

/** The most data one input line carries: 64 KiB of base64, within what pmd takes during a run. */
export const INPUT_LINE_BYTES = 48 * 1024;

/** How far the source is read ahead of pmd: past it, reading waits for pmd's inputTaken. */
export const INPUT_WINDOW_BYTES = 256 * 1024;

/** What a stream destroyed before its end (by destroy() without an error) is said to be. */
export const PREMATURE_CLOSE = "the program's input stream was closed (destroyed) before its end";

export class InputPump {
  /** Bytes sent that pmd has not said it took. */
  private inFlight = 0;
  private stopped = false;
  private ended = false;
  /** What was wrong with the source (a chunk that is no bytes, a read that failed): the run fails with it. */
  error: string | null = null;

  private readonly onData = (chunk: unknown): void => this.pass(chunk);
  private readonly onEnd = (): void => this.end();
  private readonly onError = (err: Error): void => {
    this.error ??= `reading the program's input failed: ${err.message}`;
    this.end();
  };
  // Closed (destroyed) with neither an end nor an error: the program would wait for an end that never comes.
  private readonly onClose = (): void => {
    if (this.ended) return;
    this.error ??= PREMATURE_CLOSE;
    this.end();
  };

  constructor(
    private readonly id: number,
    private readonly source: Readable,
    private readonly send: (line: string) => void,
  ) {
    if (source.readableEnded || source.destroyed) {
      if (!source.readableEnded) this.error = PREMATURE_CLOSE;
      this.end();
      return;
    }
    source.on('data', this.onData);
    source.once('end', this.onEnd);
    source.once('error', this.onError);
    source.once('close', this.onClose);
  }

  /** pmd's inputTaken: bytes of it are in the program's pipe; closed: the program's stdin has no reader. */
  taken(bytes: number, closed: boolean): void {
    this.inFlight -= bytes;
    if (closed) this.stop();
    else if (!this.stopped && !this.ended && this.inFlight < INPUT_WINDOW_BYTES) this.source.resume();
  }

  /** The run is over (or the program reads no more): the source is no longer read. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.source.off('data', this.onData);
    this.source.off('end', this.onEnd);
    this.source.off('error', this.onError);
    this.source.off('close', this.onClose);
    if (!this.ended) this.source.pause();
  }

  private pass(chunk: unknown): void {
    if (this.stopped || this.ended) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk instanceof Uint8Array ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : null;
    if (bytes === null) {
      this.error ??= `the program's input is a stream that gave ${typeof chunk}, not bytes or a string`;
      this.end();
      return;
    }
    for (let at = 0; at < bytes.length; at += INPUT_LINE_BYTES) {
      const piece = bytes.subarray(at, at + INPUT_LINE_BYTES);
      this.send(`${JSON.stringify({ id: this.id, type: 'input', data: piece.toString('base64') })}\n`);
    }
    this.inFlight += bytes.length;
    if (this.inFlight >= INPUT_WINDOW_BYTES) this.source.pause();
  }

  /** The source's end: the program reads EOF once pmd has given it the rest. */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.stopped) this.send(`${JSON.stringify({ id: this.id, type: 'input', end: true })}\n`);
    this.stop();
  }
}
