#!/usr/bin/env node
// The pmm command: `pmm run` and `pmm exec` on the same code as the Jest environment, and `pmm setup`.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { formatSeedLog, groupLeaks, summarize } from '../harness/leakReport';
import { resolveOptions } from '../harness/options';
import { closeSymbolizer, runRaw, sharedSymbolizer, symbolizeRun } from '../harness/runProgram';
import { closeSharedVm } from '../harness/sharedVm';
import { runHostRaw } from '../hooklib/host/runHost';
import type { RunResult } from '../harness/types';
import { packageRoot } from '../qemu/paths';
import { exitStatus } from './exitStatus';
import { junitMergeCommand } from './junitMerge';
import { parseArgs, USAGE, UsageError, type Command } from './parseArgs';

const notice = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

async function runCommand(command: Extract<Command, { name: 'run' | 'exec' }>): Promise<number> {
  const options = resolveOptions(command.accel ? { accel: command.accel } : {});
  // --host: on this machine, without a VM (the hook writes its records to a file).
  const raw = command.name === 'run' && command.host
    ? await runHostRaw(command.program, command.args, command.timeoutMs !== null ? { timeoutMs: command.timeoutMs } : {})
    : await runRaw(
      command.program,
      command.args,
      options,
      { hook: command.name === 'run', ...(command.timeoutMs !== null ? { timeoutMs: command.timeoutMs } : {}) },
      notice,
    );
  if (command.name === 'exec') {
    process.stdout.write(raw.result.stdout);
    process.stderr.write(raw.result.stderr);
    return exitStatus(raw.result, false);
  }
  const frames = raw.records.length > 0 ? await sharedSymbolizer().symbolizeRecords(raw.maps, raw.records) : [];
  const leaks = groupLeaks(raw.records, frames);
  const result: RunResult = { ...raw.result, leaks, summary: summarize(leaks) };
  if (command.json) {
    // The forked processes' leaks too (each symbolized against its own object map).
    if (raw.children) result.children = (await symbolizeRun({ ...raw, records: [] })).children;
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    const lines = raw.records.map((record, i) => formatSeedLog(record, frames[i]));
    const verdict = result.summary.blocks === 0
      ? 'pmm: no leaks: every allocation was freed'
      : `pmm: ${result.summary.bytes} bytes in ${result.summary.blocks} blocks leaked, from ${leaks.length} ${leaks.length === 1 ? 'stack' : 'stacks'}`;
    const how = result.timedOut
      ? 'pmm: the program timed out and was killed'
      : result.signal ? `pmm: the program was killed by ${result.signal}` : `pmm: the program exited with status ${result.exitCode}`;
    process.stderr.write([...lines, how, verdict, ''].join('\n'));
  }
  return exitStatus(result, result.summary.blocks > 0);
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

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (err: unknown) => {
    // Errors of ours already say what failed; anything else is shown whole, since it is a bug.
    const message = err instanceof Error ? (err.name === 'Error' || err.message.startsWith('pmm') ? err.message : err.stack) : String(err);
    process.stderr.write(`${message?.startsWith('pmm') ? '' : 'pmm: '}${message}\n`);
    process.exit(3);
  },
);
