// The end of a program's stderr that pmm quotes when a run goes wrong (a crash, a hook that never started):
// its last few lines, and no more than a few KiB of them, for one line can be megabytes (a program that
// writes without newlines) and would swell the Jest message, the CLI's words and the JUnit report with it.

/** The most bytes (of UTF-8) quoted: a screenful of long lines. */
export const TAIL_BYTES = 4096;

/** Where the quote was cut: the text before it is left out. */
const CUT = '…';

/**
 * The last `lines` lines of stderr, trailing blank space dropped, and of them only the last TAIL_BYTES bytes:
 * what is cut off is said by "…" at the quote's start, and the cut falls between characters, never inside
 * one's UTF-8 bytes. [] for a stderr with nothing but blank space.
 */
export function stderrTail(stderr: string, lines: number): string[] {
  const text = stderr.trimEnd();
  if (text.trim() === '') return [];
  // The quote is at most TAIL_BYTES bytes, so at most that many UTF-16 units: one more shows whether it was cut,
  // and the split never walks a stderr of megabytes.
  const window = text.slice(-(TAIL_BYTES + 1));
  const tail = window.split('\n').slice(-lines).join('\n');
  const bytes = Buffer.from(tail, 'utf8');
  if (bytes.length <= TAIL_BYTES) return tail.split('\n');
  let start = bytes.length - TAIL_BYTES;
  // UTF-8's continuation bytes (10xxxxxx) belong to the character before them.
  while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++;
  return `${CUT}${bytes.subarray(start).toString('utf8')}`.split('\n');
}

/** The end of a run's stderr as a failure quotes it (a crash's, a non-zero exit's): its last 10 lines, headed; [] for none. */
export function stderrEnding(stderr: string): string[] {
  const tail = stderrTail(stderr, 10);
  return tail.length === 0 ? [] : ['its stderr ended with:', ...tail];
}
