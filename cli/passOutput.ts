// A VM run's output, passed on to pmm's stdout and stderr as it comes, at the pace of their readers.
import type { OutputListener, RunControl } from '../qemu/GuestChannel';
import { giveUpOn, onOwnStreamError, ownStreamFailure, readerGone } from './ownStreams';

type Stream = NodeJS.WriteStream;

export interface OutputPassing {
  listener: OutputListener;
  /**
   * The run is being ended (a signal passed on to the program, its time up): a reader of stdout that takes
   * nothing for STALLED_READER_MS is waited for no more. Until then the guest is read no faster than pmm's
   * readers take the output, as the program would write to them without pmm; but then pmd, waiting to
   * write, passed on neither the signal nor the run's end, and `pmm run --timeout 5 ... | sleep 40` ran 40 s.
   * A reader that is slow but reads (a pager, `| (sleep 8; wc -c)`) still gets it all.
   */
  stopWaiting: (why: string) => void;
  /** What pmm could not pass on, other than to a reader that went away, for its notes; once the run has ended. */
  lostNotes: () => string[];
}

/**
 * Writes a VM run's output to pmm's stdout and stderr as it comes. When the reader of either goes away
 * (`| head`, `2>&1 | head`), pmd closes the pipe the program writes that output to: its next write there
 * fails with EPIPE, and SIGPIPE goes to the process that wrote, as without pmm (a program that ignores
 * SIGPIPE sees the error; its parent, a shell, goes on), and its leaks are reported all the same, where
 * stderr still goes. A stream that fails otherwise (a full
 * disk), or stdout whose reader stopped taking it while the run was being ended, is passed on no more:
 * the program wrote into a pipe in the guest and goes on, and pmm says what was dropped (lostNotes).
 * timeoutMs (0: none): the run's limit, after which pmd ends the program; counted from its first output,
 * which comes after it started.
 */
/** How long stdout's reader may take nothing, once the run is being ended, before pmm gives up on it. */
export const STALLED_READER_MS = 10_000;
/** How often pmm looks, meanwhile, whether the reader took something. */
const STALL_LOOK_MS = 500;

export function passOutputOn(control: RunControl, timeoutMs: number): OutputPassing {
  const gone = new Set<Stream>();
  // Gone because its reader left: the program's writes there must fail, as they would without pmm.
  const readerLeft = new Set<Stream>();
  // Of those, the ones whose pipe in the guest pmd was asked to close.
  const closed = new Set<Stream>();
  // stdout given up on while the run was being ended: why, and the bytes of the program's it dropped since.
  let givenUp: { why: string; dropped: number } | null = null;
  let ending: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let look: NodeJS.Timeout | null = null;
  // When stdout's reader last took something (a drain, or less held for it than at the last look); what was held then.
  let tookAt = Date.now();
  let held = 0;
  const closeInGuest = (stream: Stream): void => {
    if (!closed.has(stream) && (control.closeOutput?.(stream === process.stdout ? 'stdout' : 'stderr') ?? false)) closed.add(stream);
  };
  // Streams whose reader has not taken what was written yet: the guest is not read until they have.
  const full = new Set<Stream>();
  const drained = (stream: Stream): void => {
    if (stream === process.stdout) tookAt = Date.now();
    if (full.delete(stream) && full.size === 0) control.resume?.();
  };
  // Only stdout, which holds nothing but the program's output: pmm's report goes to stderr, and waits for
  // its reader, as valgrind's would.
  const giveUpStdout = (why: string): void => {
    givenUp = { why, dropped: 0 };
    gone.add(process.stdout);
    giveUpOn(process.stdout);
    drained(process.stdout);
  };
  const lookAtStdout = (): void => {
    const now = process.stdout.writableLength;
    if (now < held || !full.has(process.stdout)) tookAt = Date.now();
    held = now;
    if (givenUp === null && full.has(process.stdout) && Date.now() - tookAt >= STALLED_READER_MS) giveUpStdout(ending!);
  };
  onOwnStreamError((stream, err) => {
    // Either stream: without pmm the program's own write would have failed (`2>&1 | head`). One that
    // pmm's own line met before the run was asked for (its boot notice) is closed at the program's next write.
    if (readerGone(err)) {
      readerLeft.add(stream);
      closeInGuest(stream);
    }
    gone.add(stream);
    // What the program writes from now on is read and dropped.
    drained(stream);
  });
  const stopWaiting = (why: string): void => {
    if (ending !== null) return;
    ending = why;
    held = process.stdout.writableLength;
    look = setInterval(lookAtStdout, STALL_LOOK_MS);
    look.unref();
  };
  const listener: OutputListener = (which, data) => {
    if (timer === null && timeoutMs > 0) {
      timer = setTimeout(() => stopWaiting('its time was up'), timeoutMs);
      timer.unref();
    }
    const stream = which === 'stdout' ? process.stdout : process.stderr;
    if (readerLeft.has(stream)) closeInGuest(stream);
    if (givenUp !== null && stream === process.stdout) givenUp.dropped += data.length;
    if (gone.has(stream) || stream.write(data) || full.has(stream)) return;
    if (full.size === 0) control.pause?.();
    full.add(stream);
    if (stream === process.stdout) tookAt = Date.now();
    stream.once('drain', () => drained(stream));
  };
  const lostNotes = (): string[] => {
    if (timer !== null) clearTimeout(timer);
    if (look !== null) clearInterval(look);
    return (['stdout', 'stderr'] as const).flatMap((name) => {
      const failure = ownStreamFailure(process[name]);
      if (failure) return readerGone(failure) ? [] : [`writing the program's ${name} failed (${failure.message}): what it wrote after that was dropped`];
      if (name !== 'stdout' || givenUp === null) return [];
      // What Node still holds for it is lost too, pmm's exit not waiting for it (giveUpOn); of that, the
      // reader may yet take some before pmm exits.
      const { why, dropped } = givenUp;
      const bytes = dropped + process.stdout.writableLength;
      return [`the reader of pmm's stdout took nothing for ${STALLED_READER_MS / 1000} s while the run was being ended (${why}): up to ${bytes} bytes of the program's output were not passed on`];
    });
  };
  return { listener, stopWaiting, lostNotes };
}
