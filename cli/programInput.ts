// What `pmm run` and `pmm exec` give a program in the VM as its stdin: pmm's own, as the program would have
// it without pmm, but for what a VM cannot share. A file comes whole (up to 32 MiB) when the program
// starts, a file it may seek in, as with `< file`; a pipe, a socket, a device or a larger file is passed
// on as the program reads it (pmd/PROTOCOL.md, stdinStream), so `yes | pmm run -- head -n 2` and a
// producer that waits for the program's answers work. A terminal is passed on the same way while pmm is
// in its foreground (the program sees a pipe there, not a terminal); a background pmm gives the program
// /dev/null rather than be stopped for reading the terminal. `pmm run --host` gives the program pmm's
// stdin itself, as it is, as valgrind does.
import * as fs from 'fs';
import type { Readable } from 'stream';
import { MAX_INPUT_BYTES, ProgramError } from '../harness/runProgram';
import { processStat } from '../harness/processStat';

/** pmm's stdin, null when it is closed. */
export function stdinStat(): fs.Stats | null {
  try {
    return fs.fstatSync(0);
  } catch {
    return null; // closed
  }
}

/**
 * Whether pmm's stdin was opened for reading: `0>/dev/null` (or `0>>log`) gives it one for writing, which
 * a read fails on. True when /proc cannot tell.
 */
function stdinReadable(): boolean {
  try {
    const flags = /^flags:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/fdinfo/0', 'utf8'));
    return flags === null || (parseInt(flags[1], 8) & 0o3) !== 0o1; // O_ACCMODE, O_WRONLY
  } catch {
    return true;
  }
}

/** Whether pmm's process group is its terminal's foreground: reading the terminal would stop it otherwise. */
function inForeground(): boolean {
  const self = processStat(process.pid);
  return self !== null && self.tpgid === self.pgrp;
}

/** All of a file from where stdin is, up to MAX_INPUT_BYTES. */
function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      chunks.push(chunk);
    });
    stream.once('end', () => {
      // It grew past what a run takes whole after fstat said it would fit: said, rather than cut.
      if (length > MAX_INPUT_BYTES) reject(new ProgramError(`standard input is a file that grew past ${MAX_INPUT_BYTES} bytes (32 MiB) while pmm read it`));
      else resolve(Buffer.concat(chunks, length));
    });
    stream.once('error', (err) => reject(new ProgramError(`cannot read standard input: ${err.message}`)));
  });
}

/**
 * pmm's stdin for the program in the VM: its bytes (a file), the stream to pass on as the program reads
 * it, or undefined when the program gets /dev/null (stdin closed, or open only for writing, which a read
 * fails on; or a terminal pmm is in the background of).
 */
export async function programInputFromStdin(stat: fs.Stats | null = stdinStat()): Promise<Buffer | Readable | undefined> {
  // The run failed for it, after the program ran, saying the program read the end of its input there.
  if (stat === null || !stdinReadable()) return undefined;
  // Read, it would seem empty; the program, given it, would get EISDIR from its read.
  if (stat.isDirectory()) throw new ProgramError('standard input is a directory, which pmm cannot pass on to the program in the VM (--host gives it as it is)');
  if (process.stdin.isTTY) return inForeground() ? process.stdin : undefined;
  if (stat.isFile() && stat.size <= MAX_INPUT_BYTES) return readAll(process.stdin);
  return process.stdin;
}
