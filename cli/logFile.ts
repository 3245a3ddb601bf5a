// Where `pmm run` says what it has to say: its stderr, or the file --log-file names (valgrind's option), so
// that the report does not mix with what the program writes to its stderr. pmm's own failures, which
// end it, still go to stderr. And the files pmm writes, made before the program runs.
import * as fs from 'fs';

export interface PmmWords {
  say(text: string): void;
  close(): void;
}

const toStderr: PmmWords = {
  say: (text) => {
    process.stderr.write(text);
  },
  close: () => {},
};

/**
 * A file pmm writes (--log-file, --junit), made or emptied before the program runs, so that one pmm cannot
 * write is said at once: its descriptor.
 */
export function openOutputFile(file: string, what: string): number {
  try {
    return fs.openSync(file, 'w');
  } catch (err) {
    throw new Error(`pmm: cannot write the ${what} ${file}: ${(err as Error).message}`);
  }
}

/** All of text to fd. */
export function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at);
}

export function pmmWords(logFile: string | null): PmmWords {
  if (logFile === null) return toStderr;
  const fd = openOutputFile(logFile, 'log file');
  return { say: (text) => writeAll(fd, text), close: () => fs.closeSync(fd) };
}
