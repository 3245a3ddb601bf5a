// The CLI's exit status: the program's own, made non-zero when it leaked or released a block with the wrong
// call, like valgrind's --error-exitcode.
import { ProgramStartError } from '../harness/programError';
import { signalNumber } from '../harness/signalNames';

export const LEAK_EXIT_STATUS = 1;
/** pmm's own failure, as a bad option's is 2: the run's status is not known, or its report was lost. */
export const PMM_ERROR_STATUS = 3;
export const TIMEOUT_EXIT_STATUS = 124; // as timeout(1)
// As a shell, env(1) and timeout(1) say a program could not be started.
export const CANNOT_EXECUTE_EXIT_STATUS = 126;
export const NOT_FOUND_EXIT_STATUS = 127;

/**
 * flagged: the run leaked, or made a mismatched free/delete. errorExitCode is --error-exitcode's, as
 * valgrind's: the status a flagged run exits with instead of the program's (0: the program's, always);
 * null when not given, and a flagged run whose program exited 0 then exits 1. A timeout or a signal
 * still says so: the program did not finish.
 */
export function exitStatus(
  result: { exitCode: number | null; signal: string | null; timedOut: boolean },
  flagged: boolean,
  errorExitCode: number | null = null,
): number {
  if (result.timedOut) return TIMEOUT_EXIT_STATUS;
  if (result.signal) {
    return 128 + (signalNumber(result.signal) ?? 0);
  }
  if (flagged && errorExitCode !== null && errorExitCode !== 0) return errorExitCode;
  if (flagged && errorExitCode === null && result.exitCode === 0) return LEAK_EXIT_STATUS;
  return result.exitCode ?? 1;
}

/** The status of a run that ended in err: 127 or 126 for a program that could not be started, else pmm's 3. */
export function errorExitStatus(err: unknown): number {
  if (err instanceof ProgramStartError) return err.missing ? NOT_FOUND_EXIT_STATUS : CANNOT_EXECUTE_EXIT_STATUS;
  return PMM_ERROR_STATUS;
}
