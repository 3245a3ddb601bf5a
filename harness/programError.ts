// The errors of a run that never ran its program: pmm.run rejects with them, and the CLI exits with them.
import { os } from './coreModules';

/** A run refused or failed before the program ran: a bad option, a program pmm cannot run or start. */
export class ProgramError extends Error {
  constructor(message: string) {
    super(`pmm: ${message}`);
    this.name = 'ProgramError';
  }
}

/**
 * The program could not be started: missing, when it or what it needs to start (the interpreter its #! line
 * names, its dynamic loader) does not exist; otherwise there but refused (not a file, not executable, in a
 * folder that cannot be searched, an execve error). The CLI exits 127 and 126 for them, as a shell and
 * env(1) do.
 */
export class ProgramStartError extends ProgramError {
  // Named as the ProgramError it is: a test's message and the JUnit report read as before.
  constructor(message: string, readonly missing: boolean) {
    super(message);
  }

  /** For an execve that failed with errno. */
  static ofExec(message: string, errno: number): ProgramStartError {
    return new ProgramStartError(message, errno === os.constants.errno.ENOENT);
  }
}
