// Parses pmm's command line into a command; pure (pmm's pid and environment, which --log-file's name may
// use, are given), so every form is tested as a table.
import { MAX_TIMEOUT_MS } from '../harness/options';
import { PMM_MAX_FRAMES } from '../hooklib/host/recordStream';
import { expandLogFileName, type LogFileContext } from './logFileName';
import { valgrindOption } from './valgrindOptions';

export type Command =
  | { name: 'help' }
  | { name: 'version' }
  | { name: 'setup' }
  | {
    name: 'run'; json: boolean; host: boolean; timeoutMs: number | null; accel: string | null; shares: string[];
    suppressions: string[]; genSuppressions: boolean; errorExitCode: number | null; logFile: string | null;
    numCallers: number | null; junit: string | null; growth: boolean; quiet: boolean; program: string; args: string[];
  }
  | { name: 'exec'; timeoutMs: number | null; accel: string | null; shares: string[]; program: string; args: string[] };

export class UsageError extends Error {}

export const USAGE = `usage:
  pmm run [--json] [--host] [--timeout SECONDS] [--accel auto|kvm|tcg] [--share DIR]...
          [--suppressions FILE]... [--gen-suppressions[=yes|no|all]] [--error-exitcode N]
          [--log-file FILE] [--num-callers N] [--junit FILE] [--growth] [-q] -- PROGRAM [ARGS...]
      run PROGRAM in the pmm VM under the hook and report its unmatched allocations
      and mismatched frees/deletes, but those the suppression files match (and PMM_SUPPRESSIONS's)
      (--host: on this machine, without a VM, the hook writing its records to files, one per process)
      PROGRAM's stdin is pmm's: a file of up to 32 MiB whole when it starts, a pipe, a larger file or a
      terminal (pmm in its foreground) passed on as PROGRAM reads it (--host: pmm's stdin as it is)
      it exits with PROGRAM's status, 1 if that is 0 but PROGRAM leaked or released a block wrongly,
      127 or 126 when PROGRAM is not there or cannot be started, 3 when pmm fails
      --gen-suppressions (=yes, =all; =no: none): each leak printed as a suppression, in valgrind's format
      --error-exitcode N: N whenever PROGRAM leaked or released wrongly (0: its status, always)
      --log-file FILE: the report and pmm's notes to FILE, not to stderr (%p in FILE: pmm's pid,
        %q{VAR}: the environment variable VAR, %%: a '%', as valgrind's)
      --num-callers N: frames kept per allocation and release, 0 to 16 (16)
      (the last four as valgrind's options of those names)
      valgrind's --tool=memcheck, --leak-check=full|yes, --show-leak-kinds=all,
        --errors-for-leak-kinds=all and --trace-children=yes are taken: pmm does that anyway
      --junit FILE: the run as a JUnit report, as pmm's Jest reporter writes it
      --growth: growth mode, as the Jest option: also a failure (status 1) when PROGRAM's memory, or a
        forked child's, grows steadily while it runs, though it frees all at exit (not with --host)
      -q, --quiet: only what is wrong, as valgrind's -q: not the VM's boot, nor the summary of a run
        that exited 0 and left no leak
  pmm exec [--timeout SECONDS] [--accel auto|kvm|tcg] [--share DIR]... -- COMMAND [ARGS...]
      run COMMAND as root in the VM with pmm.ko loaded, no hook
  In the VM the host's files are read-only but for /tmp and each --share DIR (and PMM_SHARES's folders).
  PROGRAM runs as long as it takes unless --timeout (or PMM_RUN_TIMEOUT_MS, in ms) limits it.
  pmm setup
      install what pmm needs (Debian packages, guest kernel, native build)
  pmm junit-merge OUT.xml IN.xml [IN.xml...]
      merge JUnit reports (a sharded run's) into one
  pmm --help, pmm --version`;

/** --log-file's file, its %p, %q{VAR} and %% expanded as valgrind's (logFileName.ts). */
function logFileNamed(name: string, context: LogFileContext): string {
  const expanded = expandLogFileName(name, context);
  if ('problem' in expanded) throw new UsageError(`--log-file ${JSON.stringify(name)}: ${expanded.problem}`);
  return nonEmpty(expanded.file, `--log-file ${JSON.stringify(name)} names no file`);
}

const isHelp = (arg: string): boolean => arg === '--help' || arg === '-h';

/** An option's value as a usage error shows it. */
const shown = (value: string | undefined): string => (value === undefined ? 'nothing' : JSON.stringify(value));

/**
 * An option's file or folder. `--`, which ends pmm's options, is none: `--junit -- ./prog` forgot the file,
 * and would write one named `--`.
 */
function nonEmpty(value: string | undefined, message: string): string {
  if (value === undefined || value === '') throw new UsageError(message);
  if (value === '--') throw new UsageError(`${message}, got "--", which ends pmm's options (a file of that name is ./--)`);
  return value;
}

/** A whole number from 0 to max, in at most max's digits; wants says what the option wants. */
function upTo(option: string, value: string | undefined, max: number, wants: string): number {
  if (value === undefined || !new RegExp(`^\\d{1,${String(max).length}}$`).test(value) || Number(value) > max) {
    throw new UsageError(`${option} wants ${wants}, got ${shown(value)}`);
  }
  return Number(value);
}

/**
 * valgrind's --gen-suppressions=no|yes|all. Its yes asks at each error whether to print one; pmm asks nobody
 * (its report comes after the run), so yes prints them all, as all does.
 */
function suppressionsWanted(value: string): boolean {
  if (value === 'yes' || value === 'all') return true;
  if (value === 'no') return false;
  throw new UsageError(`--gen-suppressions wants yes, no or all, got ${shown(value)}`);
}

/** Whether arg is one of valgrind's options asking for what pmm run does anyway; one asking otherwise is an error. */
function doneAnyway(arg: string): boolean {
  const taken = valgrindOption(arg);
  if (taken !== null && taken !== 'done') throw new UsageError(taken.refused);
  return taken === 'done';
}

export function parseArgs(argv: string[], context: LogFileContext = { pid: process.pid, env: process.env }): Command {
  const [name, ...rest] = argv;
  // Asked for, the usage is the answer (status 0); with nothing asked, a usage error (2), as git's.
  if (name === undefined) throw new UsageError('no command given: run, exec, setup or junit-merge');
  if (isHelp(name) || name === 'help') return { name: 'help' };
  if (name === '--version' || name === '-V' || name === 'version') {
    if (rest.length > 0) throw new UsageError(`pmm --version takes no arguments, got: ${rest.join(' ')}`);
    return { name: 'version' };
  }
  if (name === 'setup') {
    if (rest.length > 0) throw new UsageError(`pmm setup takes no arguments, got: ${rest.join(' ')}`);
    return { name: 'setup' };
  }
  if (name !== 'run' && name !== 'exec') throw new UsageError(`unknown command: ${name}`);

  let json = false;
  let host = false;
  let timeoutMs: number | null = null;
  let accel: string | null = null;
  const shares: string[] = [];
  const suppressions: string[] = [];
  let genSuppressions = false;
  let errorExitCode: number | null = null;
  let logFile: string | null = null;
  let numCallers: number | null = null;
  let junit: string | null = null;
  let growth = false;
  let quiet = false;
  let i = 0;
  for (; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--') {
      i++;
      break;
    }
    // Before the program only: after it, --help is the program's.
    if (isHelp(arg)) return { name: 'help' };
    // arg's value when it is option, given as `OPTION VALUE` (undefined when none follows) or `OPTION=VALUE`;
    // null when it is not (an option of run's only is no option of exec's).
    const valueOf = (option: string, runOnly: boolean): string | undefined | null => {
      if (runOnly && name !== 'run') return null;
      if (arg === option) return rest[++i];
      return arg.startsWith(`${option}=`) ? arg.slice(option.length + 1) : null;
    };
    let value: string | undefined | null;
    if (arg === '--json' && name === 'run') json = true;
    else if (arg === '--host' && name === 'run') host = true;
    else if (arg === '--growth' && name === 'run') growth = true;
    else if ((arg === '-q' || arg === '--quiet') && name === 'run') quiet = true;
    else if (arg === '--gen-suppressions' && name === 'run') genSuppressions = true;
    else if (arg.startsWith('--gen-suppressions=') && name === 'run') genSuppressions = suppressionsWanted(arg.slice('--gen-suppressions='.length));
    else if ((value = valueOf('--suppressions', true)) !== null) suppressions.push(nonEmpty(value, '--suppressions wants a file'));
    else if ((value = valueOf('--error-exitcode', true)) !== null) errorExitCode = upTo('--error-exitcode', value, 255, 'an exit status from 0 to 255');
    else if ((value = valueOf('--num-callers', true)) !== null) {
      numCallers = upTo('--num-callers', value, PMM_MAX_FRAMES, `0 to ${PMM_MAX_FRAMES} (the hook keeps at most ${PMM_MAX_FRAMES} frames)`);
    }
    else if ((value = valueOf('--junit', true)) !== null) junit = nonEmpty(value, '--junit wants a file');
    else if ((value = valueOf('--log-file', true)) !== null) logFile = logFileNamed(nonEmpty(value, '--log-file wants a file'), context);
    else if ((value = valueOf('--timeout', false)) !== null) {
      // Decimal seconds, as timeout(1) takes them (Number would take "0x10" and "1e3" too).
      if (value === undefined || !/^(\d+(\.\d*)?|\.\d+)$/.test(value)) {
        throw new UsageError(`--timeout wants a number of seconds (0: none), got ${shown(value)}`);
      }
      const seconds = Number(value);
      // A limit too short to be a millisecond is one, not none.
      timeoutMs = seconds > 0 ? Math.max(1, Math.round(seconds * 1000)) : 0;
      if (timeoutMs > MAX_TIMEOUT_MS) {
        throw new UsageError(`--timeout wants at most ${MAX_TIMEOUT_MS / 1000} seconds (about 23 days: Node's timers reach no further), got ${shown(value)}`);
      }
    } else if ((value = valueOf('--accel', false)) !== null) {
      if (value !== 'auto' && value !== 'kvm' && value !== 'tcg') throw new UsageError(`--accel wants auto, kvm or tcg, got ${shown(value)}`);
      accel = value;
    } else if ((value = valueOf('--share', false)) !== null) shares.push(nonEmpty(value, '--share wants a folder'));
    else if (name === 'run' && doneAnyway(arg)) continue; // nothing to keep: pmm does it anyway
    else if (arg.startsWith('-')) throw new UsageError(`unknown option for pmm ${name}: ${arg}`);
    else break; // the program, given without --
  }
  if (host && shares.length > 0) throw new UsageError('--share is for the VM: with --host the program writes where it could without pmm');
  if (host && growth) throw new UsageError("--growth judges pmthread's samples of the program, taken in the VM: not with --host");
  const [program, ...args] = rest.slice(i);
  if (program === undefined) throw new UsageError(`pmm ${name}: no program given`);
  return name === 'run'
    ? { name, json, host, timeoutMs, accel, shares, suppressions, genSuppressions, errorExitCode, logFile, numCallers, junit, growth, quiet, program, args }
    : { name, timeoutMs, accel, shares, program, args };
}
