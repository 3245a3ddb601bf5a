// Reads a program's input from the Readable a caller gave (pmm.run's `input`, pmm's own stdin), the same way
// whichever path takes it on (the VM's input lines, qemu/InputPump.ts; host mode's pipe, runHost.ts): each
// piece as bytes, then its end. A stream that fails, is destroyed before its end or gives something that is
// not bytes ends the input too, and says why in `error`: the program must never wait for an end that does
// not come.
import type { Readable } from 'stream';

/** What a stream destroyed before its end (by destroy() without an error) is said to be. */
const PREMATURE_CLOSE = "the program's input stream was closed (destroyed) before its end";

/** Where the input goes: each piece as it is read, then the end (the stream's, or its failure's). */
export interface InputSink {
  piece(bytes: Buffer): void;
  end(): void;
}

export class InputReader {
  /** Why the input ended before the stream did, and that the program read its end there: the run fails with it. */
  error: string | null = null;
  private done = false;

  private readonly onData = (chunk: unknown): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk instanceof Uint8Array ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : null;
    if (bytes === null) this.fail(`the program's input is a stream that gave ${typeof chunk}, not bytes or a string`);
    else this.sink.piece(bytes);
  };
  private readonly onEnd = (): void => this.finish();
  private readonly onError = (err: Error): void => this.fail(`reading the program's input failed: ${err.message}`);
  // Closed with neither an end nor an error: nothing more will come, and no end would either.
  private readonly onClose = (): void => this.fail(PREMATURE_CLOSE);

  constructor(
    private readonly source: Readable,
    private readonly sink: InputSink,
  ) {
    if (source.readableEnded) this.finish();
    else if (source.destroyed) this.fail(PREMATURE_CLOSE);
    else {
      source.on('data', this.onData);
      source.once('end', this.onEnd);
      source.once('error', this.onError);
      source.once('close', this.onClose);
    }
  }

  /** Holds the stream back (its reader is full), and lets it go on. */
  pause(): void {
    if (!this.done) this.source.pause();
  }

  resume(): void {
    if (!this.done) this.source.resume();
  }

  /** The input is no longer wanted (the run is over, or the program reads no more): the stream is left, paused. */
  stop(): void {
    if (this.done) return;
    this.done = true;
    this.source.off('data', this.onData);
    this.source.off('end', this.onEnd);
    this.source.off('error', this.onError);
    this.source.off('close', this.onClose);
    if (!this.source.readableEnded) this.source.pause();
  }

  private fail(why: string): void {
    if (this.done) return;
    this.error ??= `${why}; the program read the end of its input there`;
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.stop();
    this.sink.end();
  }
}
