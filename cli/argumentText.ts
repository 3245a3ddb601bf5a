// Node hands pmm its arguments as text, each byte that is not UTF-8 as U+FFFD: the program would be given
// other bytes than it is given without pmm (or valgrind), or not be found at all. Such an argument is read
// as it is from /proc/self/cmdline, and refused, naming it.
import * as fs from 'fs';
import { isUtf8 } from '../harness/runDirectory';

/** The problem with pmm's arguments (process.argv after the script), or null when all are text. */
export function argumentsNotText(args: readonly string[], readCmdline = (): Buffer => fs.readFileSync('/proc/self/cmdline')): string | null {
  if (!args.some((arg) => arg.includes('\uFFFD'))) return null;
  let cmdline: Buffer;
  try {
    cmdline = readCmdline();
  } catch {
    return null; // no /proc: pmm cannot tell, and goes on as before
  }
  const raw = cmdline.subarray(0, -1).toString('latin1').split('\0').map((arg) => Buffer.from(arg, 'latin1'));
  // The command line's last entries are the arguments, after node's own and the script's path.
  const ours = raw.slice(raw.length - args.length);
  const bad = ours.findIndex((arg) => !isUtf8(arg));
  if (bad < 0) return null;
  return `the command line's argument ${bad + 1} (${JSON.stringify(args[bad])}) is not UTF-8 text: pmm receives its arguments as text and cannot pass it on as it is`;
}
