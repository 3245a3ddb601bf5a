// pmm.run: runs a program in the guest under the hook and turns pmd's answer into a RunResult. The CLI and
// the Jest environment both come through here.
import * as fs from 'fs';
import * as path from 'path';
import { Symbolizer } from '../symbolizer/Symbolizer';
import { groupLeaks, summarize } from './leakReport';
import type { PmmOptions } from './options';
import { sharedVm, type Notice } from './sharedVm';
import type { RawRecord, RunResult } from './types';
import { loadGuestFiles } from '../qemu/paths';

export interface RunOptions {
  /** Milliseconds before the program is killed; overrides the runTimeoutMs option. 0: no limit. */
  timeoutMs?: number;
  /** Extra environment variables, on top of this process's and the env option's. */
  env?: Record<string, string>;
  /** Working directory; a host path, which is the same in the guest. */
  cwd?: string;
  /** false: no hook and no monitoring (what `pmm exec` does). */
  hook?: boolean;
}

/** What a run gives before symbolization: the raw records and the text to symbolize them with. */
export interface RawRun {
  result: Omit<RunResult, 'leaks' | 'summary'>;
  records: RawRecord[];
  maps: string;
  children?: Array<{ pid: number; records: RawRecord[]; maps: string }>;
}

export class ProgramError extends Error {
  constructor(message: string) {
    super(`pmm: ${message}`);
    this.name = 'ProgramError';
  }
}

/** Checks the program on the host first: the guest sees the same files, and the error is clearer here. */
export function resolveProgram(program: string, cwd: string): string {
  if (typeof program !== 'string' || program === '') throw new ProgramError('no program given');
  const candidate = program.includes('/') ? path.resolve(cwd, program) : findOnPath(program);
  if (candidate === null) throw new ProgramError(`program not found on PATH: ${program}`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(candidate);
  } catch {
    throw new ProgramError(`program does not exist: ${candidate}`);
  }
  if (!stat.isFile()) throw new ProgramError(`program is not a file: ${candidate}`);
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
  } catch {
    throw new ProgramError(`program is not executable: ${candidate}`);
  }
  return candidate;
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function programEnv(options: PmmOptions, extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The guest sets its own preload; the host's Node settings mean nothing to the program.
    if (v !== undefined && k !== 'LD_PRELOAD' && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return { ...env, ...options.env, ...(extra ?? {}) };
}

export async function runRaw(
  program: string,
  args: string[],
  options: PmmOptions,
  runOptions: RunOptions,
  notice: Notice,
): Promise<RawRun> {
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) {
    throw new ProgramError(`arguments must be an array of strings, got ${JSON.stringify(args)}`);
  }
  const cwd = path.resolve(runOptions.cwd ?? process.cwd());
  const executable = resolveProgram(program, cwd);
  const hook = runOptions.hook === false ? null : loadGuestFiles().hook;
  const vm = await sharedVm(options, notice);
  const answer = await vm.run({
    argv: [executable, ...args],
    cwd,
    env: programEnv(options, runOptions.env),
    hook,
    timeoutMs: runOptions.timeoutMs ?? options.runTimeoutMs,
  });
  return {
    result: {
      program: executable,
      args,
      exitCode: answer.exitCode,
      signal: answer.signal,
      timedOut: answer.timedOut,
      stdout: Buffer.from(answer.stdout, 'base64').toString('utf8'),
      stderr: Buffer.from(answer.stderr, 'base64').toString('utf8'),
    },
    records: answer.records,
    maps: Buffer.from(answer.maps, 'base64').toString('utf8'),
    children: answer.children?.map((c) => ({
      pid: c.pid,
      records: c.records,
      maps: Buffer.from(c.maps, 'base64').toString('utf8'),
    })),
  };
}

let symbolizer: Symbolizer | null = null;

/** One long-lived symbolizer per process, like the VM. */
export function sharedSymbolizer(): Symbolizer {
  if (!symbolizer) symbolizer = new Symbolizer();
  return symbolizer;
}

export function closeSymbolizer(): void {
  symbolizer?.close();
  symbolizer = null;
}

export async function symbolizeRun(raw: RawRun): Promise<RunResult> {
  const frames = raw.records.length > 0 ? await sharedSymbolizer().symbolizeRecords(raw.maps, raw.records) : [];
  const leaks = groupLeaks(raw.records, frames);
  const result: RunResult = { ...raw.result, leaks, summary: summarize(leaks) };
  if (raw.children) {
    result.children = [];
    for (const child of raw.children) {
      const childFrames = child.records.length > 0 ? await sharedSymbolizer().symbolizeRecords(child.maps, child.records) : [];
      const childLeaks = groupLeaks(child.records, childFrames);
      result.children.push({ pid: child.pid, leaks: childLeaks, summary: summarize(childLeaks) });
    }
  }
  return result;
}

export async function runProgram(
  program: string,
  args: string[],
  options: PmmOptions,
  runOptions: RunOptions,
  notice: Notice,
): Promise<RunResult> {
  return symbolizeRun(await runRaw(program, args, options, runOptions, notice));
}
