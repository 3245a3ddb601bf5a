#!/usr/bin/env node
// The pmm command: `pmm run` and `pmm exec` on the same code as the Jest environment, `pmm setup`, `pmm junit-merge`.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { outOfMemoryNote } from '../harness/faults';
import { unhookedChildMessage } from '../harness/hookReach';
import { releaseNotes } from '../harness/releaseNotes';
import { formatAmount, formatSeedLog } from '../harness/leakReport';
import { formatValgrindMismatch } from '../harness/mismatchReport';
import { resolveOptions } from '../harness/options';
import { closeSymbolizer, resolveProgram, runRaw, sharedSymbolizer, suppressionFilesFromEnv, symbolizeMismatches, symbolizeRun } from '../harness/runProgram';
import { suppressionsFor } from '../harness/suppressionFor';
import { loadSuppressionFiles } from '../harness/suppressions';
import { closeSharedVm } from '../harness/sharedVm';
import { OUTPUT_CAP_BYTES } from '../harness/types';
import { runHostRaw } from '../hooklib/host/runHost';
import { packageRoot } from '../qemu/paths';
import { exitStatus } from './exitStatus';
import { junitMergeCommand } from './junitMerge';
import { parseArgs, USAGE, UsageError, type Command } from './parseArgs';
import { programInputFromStdin } from './programInput';
import { writeJson } from './writeJson';

const notice = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

const truncatedNote = `pmm: the program's output was cut: pmm keeps the first ${OUTPUT_CAP_BYTES / 2 ** 20} MiB of its stdout and of its stderr`;

/** The program met the guest's read-only view of the host: say which folders it may write to. */
function readOnlyHint(stderr: string): string[] {
  if (!stderr.includes('Read-only file system')) return [];
  return ['pmm: in the VM the host\'s files are read-only but for /tmp and the shared folders: --share DIR (or PMM_SHARES) makes DIR writable'];
}

async function runCommand(command: Extract<Command, { name: 'run' | 'exec' }>): Promise<number> {
  // --share adds to PMM_SHARES's folders; a relative one is the cwd's.
  const base = resolveOptions({});
  const shares = [...base.shares, ...command.shares.map((dir) => path.resolve(dir))];
  const options = resolveOptions({ ...(command.accel ? { accel: command.accel } : {}), ...(command.shares.length ? { shares } : {}) });
  // A program that is not there is said before pmm waits for its stdin to end.
  resolveProgram(command.program, process.cwd());
  // Suppression files are read now, so that a missing or malformed one is said before the run.
  const suppressionFiles = command.name === 'run' ? [...suppressionFilesFromEnv(), ...command.suppressions.map((file) => path.resolve(file))] : [];
  loadSuppressionFiles(suppressionFiles);
  const input = await programInputFromStdin(notice);
  const given = { ...(command.timeoutMs !== null ? { timeoutMs: command.timeoutMs } : {}), ...(input ? { input } : {}) };
  // --host: on this machine, without a VM (the hook writes its records to files, one per process).
  const raw = command.name === 'run' && command.host
    ? await runHostRaw(command.program, command.args, given)
    : await runRaw(command.program, command.args, options, { hook: command.name === 'run', ...given }, notice);
  const hint = [
    ...(command.name === 'exec' || !command.host ? readOnlyHint(raw.result.stderr) : []),
    ...(raw.result.outputTruncated ? [truncatedNote] : []),
  ];
  if (command.name === 'exec') {
    process.stdout.write(raw.result.stdout);
    process.stderr.write([raw.result.stderr, ...hint.map((line) => `${line}\n`)].join(''));
    return exitStatus(raw.result, false);
  }
  // The same result pmm.run gives: suppressions (PMM_SUPPRESSIONS) applied, forked children included.
  const result = await symbolizeRun(raw, suppressionFiles);
  const children = result.children ?? [];
  const leaked = result.summary.blocks > 0 || children.some((c) => c.summary.blocks > 0);
  const mismatched = result.mismatchedFrees > 0 || children.some((c) => c.mismatchedFrees > 0);
  // Each leak group once, the children's too, on stderr as valgrind prints them; ready to be a file.
  const generated = command.genSuppressions ? suppressionsFor([...result.leaks, ...children.flatMap((c) => c.leaks)]) : [];
  if (command.json) {
    // In pieces: the report of a run with many processes can be larger than one string holds.
    writeJson(result, (piece) => process.stdout.write(piece));
    process.stdout.write('\n');
    process.stderr.write(generated.map((text) => `${text}\n`).join(''));
    return exitStatus(result, leaked || mismatched);
  }
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  // The article's log lists every unmatched allocation; the symbolizer answers these from its cache.
  const frames = raw.records.length > 0 ? await sharedSymbolizer().symbolizeRecords(raw.maps, raw.records) : [];
  const lines = raw.records.map((record, i) => formatSeedLog(record, frames[i]));
  // Each mismatched release as valgrind reports it, in the order they happened.
  const mismatchFrames = await symbolizeMismatches(raw.maps, raw.mismatches);
  const mismatchLines = raw.mismatches.map((m, i) => formatValgrindMismatch(m, mismatchFrames[i]));
  const oom = outOfMemoryNote(result);
  const how = result.timedOut
    ? 'pmm: the program timed out and was killed'
    : result.signal
      ? `pmm: the program was killed by ${result.signal}${oom ? `: ${oom}` : ''}`
      : `pmm: the program exited with status ${result.exitCode}`;
  const leaks = result.leaks;
  const verdict = result.summary.blocks === 0
    ? 'pmm: no leaks: every allocation was freed'
    : `pmm: ${formatAmount(result.summary)} leaked, from ${leaks.length} ${leaks.length === 1 ? 'stack' : 'stacks'}`;
  const suppressed = result.suppressed && result.suppressed.summary.blocks > 0
    ? [`pmm: suppressed: ${formatAmount(result.suppressed.summary)}`]
    : [];
  const n = result.mismatchedFrees;
  const mismatchVerdict = n === 0
    ? []
    : [`pmm: ${n} ${n === 1 ? 'block' : 'blocks'} released by a mismatched free/delete${n > raw.mismatches.length ? ` (the first ${raw.mismatches.length} listed)` : ''}`];
  const badReleases = releaseNotes(result).map((note) => `pmm: ${note}`);
  const childLines = children.flatMap((c) => [
    ...(c.signal ? [`pmm: forked child ${c.pid} was killed by ${c.signal}`] : []),
    ...(c.exitCode ? [`pmm: forked child ${c.pid} exited with status ${c.exitCode}`] : []),
    ...(c.unhooked ? [unhookedChildMessage(result.program, c.pid)] : []),
    ...(c.summary.blocks > 0 ? [`pmm: forked child ${c.pid}: ${formatAmount(c.summary)} leaked (--json lists them)`] : []),
    ...(c.mismatchedFrees > 0 ? [`pmm: forked child ${c.pid}: ${c.mismatchedFrees} mismatched free/delete (--json lists them)`] : []),
    ...(c.suppressed && c.suppressed.summary.blocks > 0 ? [`pmm: forked child ${c.pid}: suppressed: ${formatAmount(c.suppressed.summary)}`] : []),
    ...releaseNotes(c).map((note) => `pmm: forked child ${c.pid}: ${note}`),
  ]);
  process.stderr.write([...lines, ...mismatchLines, ...generated, how, verdict, ...mismatchVerdict, ...badReleases, ...suppressed, ...childLines, ...hint, ''].join('\n'));
  return exitStatus(result, leaked || mismatched);
}

async function main(argv: string[]): Promise<number> {
  // junit-merge needs no VM and no options of pmm's: it is handled before the VM commands' parsing.
  if (argv[0] === 'junit-merge') return junitMergeCommand(argv.slice(1));
  let command: Command;
  try {
    command = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`pmm: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  switch (command.name) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'setup': {
      const setup = spawnSync('bash', [path.join(packageRoot(), 'scripts', 'setup.sh')], { stdio: 'inherit' });
      return setup.status ?? 1;
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
 * Exits once stdout and stderr have taken everything written to them: to a pipe, a write is queued, and
 * process.exit() would cut the report at the pipe's 64 KiB. An empty write's callback comes after the
 * writes before it.
 */
function exitWhenWritten(status: number): void {
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(status);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv.slice(2)).then(
  (status) => exitWhenWritten(status),
  (err: unknown) => {
    // Errors of ours already say what failed; anything else is shown whole, since it is a bug.
    const message = err instanceof Error ? (err.name === 'Error' || err.message.startsWith('pmm') ? err.message : err.stack) : String(err);
    process.stderr.write(`${message?.startsWith('pmm') ? '' : 'pmm: '}${message}\n`);
    exitWhenWritten(3);
  },
);
