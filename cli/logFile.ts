// Where `pmm run` says what it has to say: its stderr, or the file --log-file names (valgrind's option), so
// that the report does not mix with what the program writes to its stderr. pmm's own failures, which
// end it, still go to stderr.
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

/** The file is made (or emptied) now, before the program runs, so that one pmm cannot write is said at once. */
export function pmmWords(logFile: string | null): PmmWords {
  if (logFile === null) return toStderr;
  let fd: number;
  try {
    fd = fs.openSync(logFile, 'w');
  } catch (err) {
    throw new Error(`pmm: cannot write the log file ${logFile}: ${(err as Error).message}`);
  }
  return {
    say: (text) => {
      const bytes = Buffer.from(text);
      for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at);
    },
    close: () => fs.closeSync(fd),
  };
}
