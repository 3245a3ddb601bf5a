// Why a program could not be started, in pmm's words: the VM (pmd's cannotStart answer) and host mode
// (pmm-launch's exec line) both say it here, so the same cause reads the same in either mode.
import { fs, os } from './coreModules';
import type { StartFailure } from '../qemu/protocol';
import { ProgramError, ProgramStartError } from './programError';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** A path as it is, or quoted when it holds a character one would not see (a #! line's \r from CRLF). */
const shown = (name: string): string => (/^[\x21-\x7e]+$/.test(name) ? name : JSON.stringify(name));

/** The interpreter a #! line names: its first word. */
function shebangInterpreter(head: Buffer): string {
  const line = head.subarray(2).toString('latin1').split('\n')[0];
  return line.replace(/^[ \t]+/, '').split(/[ \t]/)[0];
}

/**
 * The words after `cannot start PROGRAM: `. head: the program file's first bytes, or null when unread.
 * The program was found on the host before the run, so an execve ENOENT is about the file it needs to
 * start: the interpreter its #! line names, or an ELF program's dynamic loader.
 */
export function startFailureReason(cwd: string, failure: StartFailure, head: Buffer | null): string {
  const { step, errno, reason } = failure;
  if (step === 'chdir') return `cannot enter its working directory ${cwd}: ${reason}`;
  if (step === 'stdin') return `open /dev/null for its stdin: ${reason}`;
  if (step === 'dup2') return `dup2 of its stdin, stdout or stderr: ${reason}`;
  if (errno === os.constants.errno.ENOENT && head !== null) {
    if (head.subarray(0, 2).toString('latin1') === '#!') {
      const interpreter = shebangInterpreter(head);
      return interpreter === '' ? 'its #! line names no interpreter' : `the interpreter its #! line names, ${shown(interpreter)}, does not exist`;
    }
    if (head.subarray(0, 4).equals(ELF_MAGIC)) return 'the dynamic loader it was linked for (its ELF interpreter) does not exist';
  }
  return reason;
}

/** The program file's first line or so; null when it cannot be read. */
function fileHead(file: string): Buffer | null {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(256);
      return head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/**
 * The error of a run whose program could not be started. Only the execve's failure is the program's (exit
 * 127 or 126 from the CLI); a working directory or a /dev/null that cannot be had is the run's.
 */
export function startFailureError(program: string, cwd: string, failure: StartFailure): ProgramError {
  const message = `cannot start ${program}: ${startFailureReason(cwd, failure, fileHead(program))}`;
  return failure.step === 'execve' ? ProgramStartError.ofExec(message, failure.errno) : new ProgramError(message);
}
