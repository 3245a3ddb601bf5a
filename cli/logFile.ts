// Where `pmm run` says what it has to say: its stderr, or the file --log-file names (valgrind's option), so
// that the report does not mix with what the program writes to its stderr. pmm's own failures, which
// end it, still go to stderr. And the files pmm writes, made before the program runs.
import * as fs from 'fs';
import * as path from 'path';

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

/** A file pmm writes: where to write, and how to let go of it. */
export interface OutputFile {
  fd: number;
  /** The file is pmm's own stdout or stderr, written through that descriptor after what is there. */
  ownStream: boolean;
  close(): void;
}

/**
 * A file pmm writes (--log-file, --junit), made or emptied before the program runs, so that one pmm cannot
 * write is said at once. When it is the file pmm's own stdout or stderr goes to (`--log-file /dev/stdout`,
 * with `> out.txt`), pmm writes through that descriptor, after what the program wrote there: a file opened
 * anew would start at its beginning, over the program's output.
 */
export function openOutputFile(file: string, what: string): OutputFile {
  const own = ownStream(statOrNull(file));
  if (own !== null) return { fd: own, ownStream: true, close: () => {} };
  try {
    const fd = fs.openSync(file, 'w');
    return { fd, ownStream: false, close: () => fs.closeSync(fd) };
  } catch (err) {
    throw new Error(`pmm: cannot write the ${what} ${file}: ${(err as Error).message}`);
  }
}

/**
 * pmm's stdout or stderr, when it goes to the regular file stat describes (or, anyFile, to whatever it
 * describes: a pipe, a terminal; /dev/null never counts); null otherwise.
 */
function ownStream(stat: fs.Stats | null, anyFile = false): number | null {
  if (stat === null || !(stat.isFile() || anyFile) || isDevNull(stat)) return null;
  for (const fd of [1, 2]) {
    try {
      const own = fs.fstatSync(fd);
      if (own.dev === stat.dev && own.ino === stat.ino) return fd;
    } catch {
      // closed
    }
  }
  return null;
}

function isDevNull(stat: fs.Stats): boolean {
  const devNull = statOrNull('/dev/null');
  return devNull !== null && stat.isCharacterDevice() && stat.rdev === devNull.rdev;
}

/** A file a run reads (the program, a suppression file) or writes (--log-file, --junit). */
export interface NamedFile {
  file: string;
  what: string; // as pmm's messages name it: "the program", "the suppression file", "--junit"
}

/**
 * The file itself, whatever path names it (a symbolic or hard link, `./x` and `x`); a path for one that is
 * not there yet. null for what loses nothing when written to twice (a terminal, /dev/null, a pipe).
 */
function identity(stat: fs.Stats | null, file: string): string | null {
  if (stat === null) return `path ${wouldCreate(file)}`;
  return stat.isFile() ? `file ${stat.dev}:${stat.ino}` : null;
}

function pipeIdentity(stat: fs.Stats): string {
  return `pipe ${stat.dev}:${stat.ino}`;
}

/** The path opening file for writing would create: through its folder's links, and a dangling link's. */
function wouldCreate(file: string): string {
  let at = path.resolve(file);
  for (let hops = 0; hops < 40; hops++) {
    let dir: string;
    try {
      dir = fs.realpathSync(path.dirname(at));
    } catch {
      return at; // no such folder: the open will say so
    }
    at = path.join(dir, path.basename(at));
    let target: string;
    try {
      target = fs.readlinkSync(at);
    } catch {
      return at; // not a link
    }
    at = path.resolve(dir, target);
  }
  return at;
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

/**
 * Refuses a file pmm would write (--log-file, --junit) that the run reads (the program, a suppression
 * file, stdin) or that the other option writes: opening it for writing would empty what the run still
 * needs, or the two would write over each other. Checked before either is opened.
 */
export function checkOutputFiles(outputs: readonly NamedFile[], inputs: readonly NamedFile[], stdin: fs.Stats | null): void {
  const seen = new Map<string, string>();
  const stdinId = stdin === null ? null : identity(stdin, '');
  if (stdinId !== null) seen.set(stdinId, 'standard input');
  // Writing into stdin's own pipe (/dev/stdin) would hold a writer open on it: its reader, the program or
  // pmm, would never see its end.
  const stdinPipe = stdin !== null && (stdin.isFIFO() || stdin.isSocket()) ? pipeIdentity(stdin) : null;
  for (const { file, what } of inputs) {
    const id = identity(statOrNull(file), file);
    if (id !== null && !seen.has(id)) seen.set(id, `${what} ${file}`);
  }
  for (const { file, what } of outputs) {
    const stat = statOrNull(file);
    if (stdinPipe !== null && stat !== null && pipeIdentity(stat) === stdinPipe) {
      throw new Error(`pmm: ${what} ${file} is standard input's pipe as well: writing into it, pmm would keep it from ever ending; give ${what} another file`);
    }
    const id = identity(stat, file);
    if (id === null) continue;
    const other = seen.get(id);
    if (other !== undefined) throw new Error(`pmm: ${what} ${file} is ${other} as well: pmm would write over it; give ${what} another file`);
    seen.set(id, `the file ${what} writes`);
  }
}

/**
 * Refuses a --junit file that is pmm's own stdout or stderr (`--junit out.xml > out.xml`, or
 * `--junit /dev/stdout | cat`, whatever stdout is): the program's
 * output goes there too, and XML written after it is no JUnit report. --log-file may share it, as
 * valgrind's may: its report is text, after the program's.
 */
export function checkReportNotOwnStream(file: string, what: string): void {
  const fd = ownStream(statOrNull(file), true);
  if (fd === null) return;
  const stream = fd === 1 ? 'stdout' : 'stderr';
  throw new Error(`pmm: ${what} ${file} is pmm's ${stream} as well, where the program's output goes: the XML would come after it, and be no report; give ${what} another file`);
}

/** All of text to fd. */
export function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at);
}

export function pmmWords(logFile: string | null): PmmWords {
  if (logFile === null) return toStderr;
  const file = openOutputFile(logFile, 'log file');
  return { say: (text) => writeAll(file.fd, text), close: () => file.close() };
}
