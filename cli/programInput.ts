// What `pmm run` and `pmm exec` give a program in the VM as its stdin: their own, read to its end
// before the program starts, when it is a file or a pipe. In the VM the program cannot read pmm's stdin
// as it goes (pmd hands it over whole, pmd/PROTOCOL.md). `pmm run --host` gives the program pmm's stdin
// itself, as it is, as valgrind does: an interactive program, or an endless pipe, works there.
import * as fs from 'fs';
import type { Readable } from 'stream';
import { MAX_INPUT_BYTES, ProgramError } from '../harness/runProgram';

/** After this long with stdin still open, pmm says what it waits for: a caller may have left it open. */
const STDIN_WAIT_NOTICE_MS = 5000;

/**
 * Whether a stdin of this kind is the program's input: a file (`< file`) or a pipe or socket (`cmd |`,
 * or a parent's pipe). A terminal, /dev/null or a closed stdin is not: the program gets /dev/null.
 */
function isInputStdin(stat: fs.Stats | null): boolean {
  return stat !== null && (stat.isFile() || stat.isFIFO() || stat.isSocket());
}

/** pmm's stdin, null when it is closed. */
export function stdinStat(): fs.Stats | null {
  try {
    return fs.fstatSync(0);
  } catch {
    return null; // closed
  }
}

/** All of stream, up to MAX_INPUT_BYTES; notice is told once if it has not ended after waitNoticeMs. */
function readAll(stream: Readable, notice: (message: string) => void, waitNoticeMs = STDIN_WAIT_NOTICE_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const timer = setTimeout(() => {
      notice('pmm: waiting for the end of standard input, which the program gets whole when it starts (for none, run pmm with < /dev/null)');
    }, waitNoticeMs);
    const finish = (err: Error | null): void => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      if (err) {
        stream.destroy();
        reject(err);
      } else resolve(Buffer.concat(chunks, length));
    };
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_INPUT_BYTES) {
        finish(new ProgramError(`standard input is more than ${MAX_INPUT_BYTES} bytes (32 MiB): pmm gives the program its stdin whole before it starts, and at most that much`));
      } else chunks.push(chunk);
    });
    stream.once('end', () => finish(null));
    stream.once('error', (err) => finish(new ProgramError(`cannot read standard input: ${err.message}`)));
  });
}

/** pmm's stdin for the program, or undefined when it gets none. */
export async function programInputFromStdin(notice: (message: string) => void): Promise<Buffer | undefined> {
  if (!isInputStdin(stdinStat())) return undefined;
  return readAll(process.stdin, notice);
}
