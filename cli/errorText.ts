// What pmm says when it fails: its own errors (ProgramError, "pmm: ..."), which already say what failed, as
// they are; anything else whole, with its stack, since it is a bug.

/** The line (or, for a bug, the stack) pmm prints for err, starting "pmm: ". */
export function errorText(err: unknown): string {
  const message = err instanceof Error ? (err.name === 'Error' || err.message.startsWith('pmm') ? err.message : err.stack ?? err.message) : String(err);
  return message.startsWith('pmm') ? message : `pmm: ${message}`;
}
