// The VM benchmark (issue 6): `pmm exec -- true` wall time, the time of one pmm.run of a trivial program in a
// warm VM, and twenty runs after the boot, each for the vmlinux that pmm boots (PVH) beside the naive
// compressed bzImage of the same kernel, measured in the same run. Run with `npm run bench:vm`.
//
// Options (environment): BENCH_ROUNDS (default 5) boots per kernel for `pmm exec`; BENCH_RUNS (default 20)
// warm runs. The machine is shared, so boots of the two kernels alternate, and each figure is a median.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resolveOptions } from '../harness/options';
import { runProgram } from '../harness/runProgram';
import { closeSharedVm, sharedVm } from '../harness/sharedVm';
import { chooseAccel } from '../qemu/kvmProbe';
import { cacheDir, loadGuestFiles, packageRoot } from '../qemu/paths';

interface Variant {
  name: string;
  /** PMM_KERNEL for this variant; null: the kernel set-up chose (the vmlinux). */
  kernel: string | null;
  /** PMM_FIRMWARE for this variant; null: qboot when installed. */
  firmware?: string;
}

interface Figures {
  execMs: number[];
  bootMs: number;
  runMs: number[];
  twentyMs: number;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

function envFor(variant: Variant): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (variant.kernel) env.PMM_KERNEL = variant.kernel;
  else delete env.PMM_KERNEL;
  if (variant.firmware) env.PMM_FIRMWARE = variant.firmware;
  else delete env.PMM_FIRMWARE;
  return env;
}

/** Wall time of one `pmm exec -- true`, from spawning the command to its exit, as a user sees it. */
function timeExec(variant: Variant): Promise<number> {
  const cli = path.join(packageRoot(), 'dist', 'cli', 'pmm.js');
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'exec', '--', 'true'], { env: envFor(variant), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`pmm exec -- true (${variant.name}) exited with ${code}: ${stderr.trim()}`));
    });
  });
}

function msSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Boots this process's VM as pmm.run does, then times `runs` pmm.run calls of a trivial program in it. */
async function timeWarm(variant: Variant, program: string, runs: number): Promise<Omit<Figures, 'execMs'>> {
  const saved = { ...process.env };
  const wanted = envFor(variant);
  for (const name of ['PMM_KERNEL', 'PMM_FIRMWARE']) {
    if (wanted[name] === undefined) delete process.env[name];
    else process.env[name] = wanted[name];
  }
  const options = resolveOptions({});
  try {
    const bootStarted = process.hrtime.bigint();
    await sharedVm(options, () => undefined);
    const bootMs = msSince(bootStarted);
    const runMs: number[] = [];
    const allStarted = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      const result = await runProgram(program, [], options, {}, () => undefined);
      runMs.push(msSince(started));
      if (result.exitCode !== 0 || result.leaks.length > 0) {
        throw new Error(`${program} exited with ${result.exitCode} and ${result.leaks.length} leaks in the VM`);
      }
    }
    return { bootMs, runMs, twentyMs: msSince(allStarted) };
  } finally {
    await closeSharedVm();
    for (const name of ['PMM_KERNEL', 'PMM_FIRMWARE']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

async function main(): Promise<void> {
  const rounds = intFromEnv('BENCH_ROUNDS', 5);
  const runs = intFromEnv('BENCH_RUNS', 20);
  const files = loadGuestFiles();
  const bzImage = path.join(cacheDir(), 'kernel', files.kernelVersion, 'root', 'boot', `vmlinuz-${files.kernelVersion}`);
  if (!fs.existsSync(bzImage)) throw new Error(`no bzImage to compare with at ${bzImage}; run npm run setup`);
  const program = path.join(packageRoot(), 'fixtures', 'bin', 'clean_exit');
  if (!fs.existsSync(program)) throw new Error(`missing ${program}; run npm run setup`);
  const variants: Variant[] = [
    { name: `vmlinux (PVH${files.firmware ? ', qboot' : ''})`, kernel: null },
    { name: 'bzImage, SeaBIOS (naive)', kernel: bzImage, firmware: 'seabios' },
  ];
  const figures = new Map<Variant, Figures>(variants.map((v) => [v, { execMs: [], bootMs: NaN, runMs: [], twentyMs: NaN }]));
  const load = os.loadavg()[0];
  const accel = await chooseAccel(files, resolveOptions({}).accel);

  process.stderr.write(`bench:vm: ${rounds} rounds of \`pmm exec -- true\` per kernel, then ${runs} warm runs each\n`);
  // Warm the page cache and the KVM verdict, so that the first round is not charged for them.
  await timeExec(variants[0]);
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const ms = await timeExec(variant);
      figures.get(variant)!.execMs.push(ms);
      process.stderr.write(`  round ${round + 1} ${variant.name}: ${fmt(ms)}\n`);
    }
  }
  for (const variant of variants) Object.assign(figures.get(variant)!, await timeWarm(variant, program, runs));

  const rows: Array<[string, (f: Figures) => string]> = [
    [`\`pmm exec -- true\`, wall (median of ${rounds})`, (f) => fmt(median(f.execMs))],
    ['  fastest / slowest', (f) => `${fmt(Math.min(...f.execMs))} / ${fmt(Math.max(...f.execMs))}`],
    ['boot to ready, in-process (one boot)', (f) => fmt(f.bootMs)],
    [`one pmm.run of clean_exit, warm VM (median of ${runs})`, (f) => fmt(median(f.runMs))],
    [`${runs} pmm.run calls after the boot, total`, (f) => fmt(f.twentyMs)],
  ];
  const header = ['', ...variants.map((v) => v.name)];
  const table = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map(([label, cell]) => `| ${label} | ${variants.map((v) => cell(figures.get(v)!)).join(' | ')} |`),
  ];
  const cpu = os.cpus();
  const host = `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, load average ${load.toFixed(2)} at start, ${os.loadavg()[0].toFixed(2)} at end`;
  process.stdout.write(`${table.join('\n')}\n\nkernel ${files.kernelVersion}, ${accel.toUpperCase()}; ${host}\n`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench:vm: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
