// pmm's own stdout and stderr can fail under it: their reader gone (EPIPE; a socket's ECONNRESET), or a
// file that cannot take more (ENOSPC on a full disk, EFBIG past a size limit, EIO). Node ends a process
// whose stream emits an 'error' nobody handles, with a stack and status 1: the run's status and report
// were lost. These handlers keep what happened, for pmm to say and to act on.

type Stream = NodeJS.WriteStream;
type Listener = (stream: Stream, err: NodeJS.ErrnoException) => void;

const failures = new Map<Stream, NodeJS.ErrnoException>();
const listeners = new Set<Listener>();
let watching = false;

/** Installs the handlers, once. */
export function watchOwnStreams(): void {
  if (watching) return;
  watching = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (!failures.has(stream)) failures.set(stream, err);
      for (const listener of listeners) listener(stream, err);
    });
  }
}

/** Calls listener at each error of pmm's stdout or stderr from now on. */
export function onOwnStreamError(listener: Listener): void {
  listeners.add(listener);
}

/** The first error of stream, or null while it has had none. */
export function ownStreamFailure(stream: Stream): NodeJS.ErrnoException | null {
  return failures.get(stream) ?? null;
}

/** Whether err says that the stream's reader went away, rather than that the writing failed. */
export function readerGone(err: NodeJS.ErrnoException): boolean {
  return err.code === 'EPIPE' || err.code === 'ECONNRESET';
}

const givenUp = new Set<Stream>();

/** stream's reader is waited for no more: what it has not taken is dropped when pmm exits (written). */
export function giveUpOn(stream: Stream): void {
  givenUp.add(stream);
}

/** Resolves once what was written to stream before has been taken (or has failed, or is given up on). */
export function written(stream: Stream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || givenUp.has(stream)) resolve();
    else stream.write('', () => resolve());
  });
}
