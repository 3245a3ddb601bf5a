#!/usr/bin/env node
// The pmm command: `pmm run` and `pmm exec` on the same code as the Jest environment, `pmm setup`, `pmm junit-merge`.
// First: from here on SIGUSR1 cannot open Node's debugger.
import './signalGuard';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tty from 'tty';
import { resolveOptions, shareProblem, type PmmOptions } from '../harness/options';
import { outputNote, readOnlyNote } from '../harness/releaseNotes';
import { closeSymbolizer, ProgramError, resolveProgram, rootSearchPath, runRaw, suppressionFilesFromEnv, symbolizeRunWith } from '../harness/runProgram';
import { runDirectory } from '../harness/runDirectory';
import { suppressionsFor } from '../harness/suppressionFor';
import { loadSuppressionFiles, type Suppression } from '../harness/suppressions';
import { closeSharedVm } from '../harness/sharedVm';
import { growthFailures } from '../harness/verdict';
import { runHostRaw } from '../hooklib/host/runHost';
import type { RunControl } from '../qemu/GuestChannel';
import { loadGuestFiles, packageRoot } from '../qemu/paths';
import { killLiveVms } from '../qemu/Vm';
import { argumentsNotText } from './argumentText';
import { errorText } from './errorText';
import { errorExitStatus, exitStatus, PMM_ERROR_STATUS } from './exitStatus';
import { forwardSignals } from './forwardSignals';
import { stopVmsWithPmm } from './jobControl';
import { junitMergeCommand } from './junitMerge';
import { checkOutputFiles, checkReportNotOwnStream, pmmWords, type PmmWords } from './logFile';
import { JunitFile } from './junitFile';
import { runJunit } from './junitReport';
import { parseArgs, USAGE, UsageError, type Command } from './parseArgs';
import { passOutputOn } from './passOutput';
import { programInputFromStdin, stdinStat } from './programInput';
import { ownStreamFailure, readerGone, watchOwnStreams, written } from './ownStreams';
import { runTimeoutMs } from './runTimeout';
import { setupReadyLine } from './setupReady';
import { textReport } from './textReport';
import { writeJson } from './writeJson';

type RunCommand = Extract<Command, { name: 'run' | 'exec' }>;

async function runCommand(command: RunCommand): Promise<number> {
  const startMs = Date.now();
  // First: the files given by relative paths, the program's among them, are found from it, and the JUnit
  // report names the program from it. A directory removed since fails here, in pmm's words.
  const cwd = runDirectory(undefined, (message) => new ProgramError(message));
  const suppressionFiles = command.name === 'run' ? [...suppressionFilesFromEnv(), ...command.suppressions.map((file) => path.resolve(cwd, file))] : [];
  // The files pmm writes are checked and made first: from then on, whatever ends the run (a bad option, a
  // program the hook cannot enter, a VM that fails, a signal) is in the --junit report, never an empty file.
  let junit: JunitFile | null = null;
  if (command.name === 'run') {
    checkRunFiles(command, suppressionFiles, cwd);
    // Named as the run's own report names it (its full path), whatever ends the run: one identity in CI's history.
    const program = programPath(command.program, cwd) ?? command.program;
    if (command.junit !== null) junit = new JunitFile(command.junit, { program, args: command.args, startMs, cwd });
  }
  let words: PmmWords | null = null;
  try {
    // What needs no run is checked next, each failure said at once: the options and the environment's
    // (PMM_SHARES, PMM_MEMORY_MIB...), the program is there (before pmm waits for its stdin to end), the
    // suppression files read. --share adds to PMM_SHARES's folders (a relative one is the cwd's);
    // --num-callers is the hook's stack depth.
    const base = resolveOptions({});
    const given = command.shares.map((dir) => path.resolve(cwd, dir));
    for (const dir of given) {
      const problem = shareProblem(dir);
      if (problem !== null) throw new ProgramError(`--share ${JSON.stringify(dir)} ${problem}`);
    }
    const shares = [...base.shares, ...given];
    const options = resolveOptions({
      ...(command.accel ? { accel: command.accel } : {}),
      ...(command.shares.length ? { shares } : {}),
      ...(command.name === 'run' && command.numCallers !== null ? { stackDepth: command.numCallers } : {}),
    });
    resolveProgram(command.program, cwd, command.name === 'exec' ? rootSearchPath(process.env.PATH) : process.env.PATH);
    const suppressions = suppressionFiles.length > 0 ? loadSuppressionFiles(suppressionFiles) : null;
    words = pmmWords(command.name === 'run' ? command.logFile : null);
    return await runChecked(command, options, suppressions, words, junit, startMs, cwd);
  } catch (err) {
    junit?.fail(err);
    throw err;
  } finally {
    words?.close();
    junit?.close();
  }
}

/**
 * The program's full path, as the run resolves it; one that is not there, or not a program (said once the
 * report is made), by its path all the same; null for a name found on no PATH.
 */
function programPath(program: string, cwd: string): string | null {
  try {
    return resolveProgram(program, cwd);
  } catch {
    return program.includes('/') ? path.resolve(cwd, program) : null;
  }
}

/**
 * Refuses a --log-file or --junit file that the run reads (the program, a suppression file, stdin) or that
 * the other option writes, and a --junit file that is pmm's stdout or stderr, before either is made. A
 * program that is not there is said later, in the report.
 */
function checkRunFiles(command: Extract<Command, { name: 'run' }>, suppressionFiles: readonly string[], cwd: string): void {
  const outputs = [
    ...(command.logFile !== null ? [{ file: command.logFile, what: '--log-file' }] : []),
    ...(command.junit !== null ? [{ file: command.junit, what: '--junit' }] : []),
  ];
  if (outputs.length === 0) return;
  const program = programPath(command.program, cwd);
  const inputs = [
    ...(program !== null ? [{ file: program, what: 'the program' }] : []),
    ...suppressionFiles.map((file) => ({ file, what: 'the suppression file' })),
  ];
  checkOutputFiles(outputs, inputs, stdinStat());
  if (command.junit !== null) checkReportNotOwnStream(command.junit, '--junit');
}

async function runChecked(command: RunCommand, options: PmmOptions, suppressions: Suppression[] | null, words: PmmWords, junit: JunitFile | null, startMs: number, cwd: string): Promise<number> {
  const notice = (message: string): void => words.say(`${message}\n`);
  const host = command.name === 'run' && command.host;
  // -q: the VM's boot is no news (the only notice of the run's own; a signal passed on still is).
  const quiet = command.name === 'run' && command.quiet;
  // On this machine the program reads pmm's stdin itself, as without pmm; in the VM pmm passes it on.
  const input = host ? null : await programInputFromStdin();
  const given = {
    timeoutMs: runTimeoutMs(command.timeoutMs),
    ...(input ? { input } : {}),
    ...(command.name === 'run' && command.growth ? { growth: {} } : {}),
  };
  // The program's output as it runs, as it would print without pmm; --json has it in the report instead.
  const live = command.name === 'exec' || !command.json;
  const control: RunControl = {};
  // From the VM, pmm passes its output on (on this machine the program writes to pmm's streams itself).
  const passing = live && !host ? passOutputOn(control, given.timeoutMs) : null;
  // Ctrl-C, timeout(1): the program gets the signal, and pmm reports what it left, as valgrind does.
  const onTerminal = [process.stdin, process.stdout, process.stderr].some((stream) => stream.isTTY === true);
  stopVmsWithPmm();
  const forwarding = forwardSignals(control, notice, {
    sharesGroup: host, onTerminal, reports: command.name === 'run',
    passedOn: (signal) => passing?.stopWaiting(`${signal} was passed on to the program`),
    beforeDying: (signal, phase) => {
      killLiveVms();
      const when = phase === 'before the program' ? 'before the program started' : 'after the program ended, before its report was made';
      junit?.fail(new ProgramError(`${signal} ended pmm ${when}, so the run has no result`));
    },
    beforeDefaultAction: () => junit?.noResultYet('pmm was ended after the program ended, before its report was made (by a signal, or a failure of its own)'),
  });
  // --host: on this machine, without a VM (the hook writes its records to files, one per process). There
  // the program writes to pmm's stdout and stderr itself; from the VM, pmm passes its output on.
  let raw;
  try {
    raw = host
      ? await runHostRaw(command.program, command.args, {
        ...given, inheritInput: true, inheritOutput: live, control,
        // The VM's run takes the depth from options (programEnv); this one from its environment.
        ...(options.stackDepth !== null ? { env: { PMM_STACK_DEPTH: String(options.stackDepth) } } : {}),
      })
      : await runRaw(command.program, command.args, options, { hook: command.name === 'run', ...given }, quiet ? () => {} : notice, passing?.listener, control);
  } catch (err) {
    forwarding.stop();
    throw err;
  }
  await forwarding.programEnded();
  // Lines about the run that are no leak: what the program met in the guest, and (printed whole when live)
  // what the report's copy of its output lost.
  const notes = [
    ...(command.name === 'exec' || !command.host ? readOnlyNote(raw.result.stderr, 'cli') : []),
    ...(live ? [] : outputNote(raw.result)),
    ...(passing?.lostNotes() ?? []),
  ].map((note) => `pmm: ${note}`);
  if (command.name === 'exec') {
    words.say(notes.map((line) => `${line}\n`).join(''));
    return exitStatus(raw.result, false);
  }
  // The same result pmm.run gives: suppressions (PMM_SUPPRESSIONS) applied, forked children included.
  const result = await symbolizeRunWith(raw, suppressions, { valgrindNames: command.genSuppressions });
  junit?.write(runJunit(result, startMs, Date.now(), cwd));
  const children = result.children ?? [];
  const leaked = result.summary.blocks > 0 || children.some((c) => c.summary.blocks > 0);
  const mismatched = result.mismatchedFrees > 0 || children.some((c) => c.mismatchedFrees > 0);
  // Allocations pmm could not keep (past its caps) leave what was left allocated unknown: no clean pass.
  const uncounted = (result.droppedRecords ?? 0) > 0 || children.some((c) => (c.droppedRecords ?? 0) > 0);
  // --growth: memory that grew steadily (or a run too short to say) flags the run as a leak does.
  const grew = growthFailures(result, true).length > 0;
  // Each leak group once, the children's too, on stderr as valgrind prints them; ready to be a file.
  const generated = command.genSuppressions
    ? suppressionsFor([...result.leaks, ...children.flatMap((c) => c.leaks)], [...result.mismatches, ...children.flatMap((c) => c.mismatches)])
    : [];
  if (command.json) {
    // In pieces: the report of a run with many processes can be larger than one string holds.
    writeJson(result, (piece) => process.stdout.write(piece));
    process.stdout.write('\n');
    await written(process.stdout);
    const failure = ownStreamFailure(process.stdout);
    if (failure && !readerGone(failure)) {
      words.say(`pmm: cannot write the JSON report to stdout: ${failure.message}\n`);
      return PMM_ERROR_STATUS;
    }
    words.say([...generated, ...notes].map((text) => `${text}\n`).join(''));
    return exitStatus(result, leaked || mismatched || grew || uncounted, command.errorExitCode);
  }
  words.say(await textReport(raw, result, generated, notes, quiet));
  return exitStatus(result, leaked || mismatched || grew || uncounted, command.errorExitCode);
}

async function main(argv: string[]): Promise<number> {
  watchOwnStreams();
  const notText = argumentsNotText(argv);
  if (notText !== null) throw new ProgramError(notText);
  // junit-merge needs no VM and no options of pmm's: it is handled before the VM commands' parsing.
  if (argv[0] === 'junit-merge') return junitMergeCommand(argv.slice(1));
  let command: Command;
  try {
    command = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      // As valgrind's: the mistake and where to read more, not 40 lines of usage above a one-line error.
      process.stderr.write(`pmm: ${err.message}\npmm: see pmm --help for the options\n`);
      return 2;
    }
    throw err;
  }
  switch (command.name) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'version': {
      // The package's version: pmm is the bin of jest-environment-pmm, whose package.json is the one truth.
      const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
      process.stdout.write(`pmm ${manifest.version}\n`);
      return 0;
    }
    case 'setup': {
      const setup = spawnSync('bash', [path.join(packageRoot(), 'scripts', 'setup.sh')], { stdio: 'inherit' });
      if (setup.status !== 0) return setup.status ?? 1;
      // scripts/setup.sh is silent when all is in place (npm test runs it before each Jest); asked for, set-up says so.
      process.stdout.write(`${setupReadyLine(loadGuestFiles(), path.join(packageRoot(), 'pmd', 'pmd'))}\n`);
      return 0;
    }
    default:
      try {
        return await runCommand(command);
      } finally {
        closeSymbolizer();
        await closeSharedVm();
      }
  }
}

/**
 * Exits once stdout and stderr have taken everything written to them (but a stream given up on): to a
 * pipe, a write is queued, and process.exit() would cut the report at the pipe's 64 KiB.
 */
function exitWhenWritten(status: number): void {
  void Promise.all([written(process.stdout), written(process.stderr)]).then(() => exitAs(status));
}

/** Ends pmm with status, or as a hangup does when its terminal hung up (endAsHangupDoes). */
function exitAs(status: number): never {
  if (terminalHungUp()) endAsHangupDoes();
  process.exit(status);
}

/** Which of stdin, stdout and stderr were a terminal when pmm started: Node restores those at exit. */
const startedOnTerminal = [0, 1, 2].map((fd) => tty.isatty(fd));

/** A terminal pmm started on has hung up (closed, its session gone): it is no terminal to its fds now. */
function terminalHungUp(): boolean {
  return startedOnTerminal.some((was, fd) => was && !tty.isatty(fd));
}

/**
 * Node's exit restores the terminal's settings, and aborts when the terminal has hung up (nodejs/node#51519:
 * status 134 and an assertion's text where a closed terminal's pmm had its report made). pmm ends as the
 * hangup would end it, by SIGHUP's default action, which runs no exit code; 129 to a shell all the same.
 */
function endAsHangupDoes(): void {
  process.removeAllListeners('SIGHUP');
  process.kill(process.pid, 'SIGHUP');
}

// Node exits 0 when nothing is left to wait for: a wait that nothing will end (a bug of pmm's) would pass
// the run. A leak gate must not pass by default.
let settled = false;
process.on('beforeExit', () => {
  if (settled) return;
  process.stderr.write('pmm: internal error: pmm stopped waiting before the run had a result\n');
  exitAs(PMM_ERROR_STATUS);
});

main(process.argv.slice(2)).then(
  (status) => {
    settled = true;
    exitWhenWritten(status);
  },
  (err: unknown) => {
    settled = true;
    process.stderr.write(`${errorText(err)}\n`);
    exitWhenWritten(errorExitStatus(err));
  },
);
