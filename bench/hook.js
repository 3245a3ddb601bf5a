#!/usr/bin/env node
// The hook benchmark (npm run bench:hook): bench/alloc_heavy, millions of malloc/free pairs with 1 and 4
// threads, plain and under the hook in the same VM (preloaded but recording off, no stack, frame-pointer
// stacks, default stacks), and plain, under the hook's host mode (PMM_RECORD_DIR, as `pmm run --host`
// runs it, with the same settings), under valgrind memcheck and under heaptrack on the host. Each figure is the program's own
// timing of its allocating part (median of RUNS runs), so boot, process start and the tools' start-up
// stay out. Then the instructions each variant runs per pair (valgrind's callgrind counts them, on the host), a
// figure that does not move with the machine's load. Then what the hook adds to each process's start: bench/spawn_many starts /bin/true many
// times, plain and under the hook, in the VM and on the host. Prints Markdown tables of the times and the ratios.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const { runRaw, closeSymbolizer } = require(path.join(root, 'dist/harness/runProgram'));
const { closeSharedVm } = require(path.join(root, 'dist/harness/sharedVm'));
const { resolveOptions } = require(path.join(root, 'dist/harness/options'));
const { readRecordDir } = require(path.join(root, 'dist/hooklib/host/recordDir'));

const program = path.join(__dirname, 'bin', 'alloc_heavy');
const spawner = path.join(__dirname, 'bin', 'spawn_many');
// TCG runs allocation-heavy code about 15x slower than the host: fewer pairs in the guest.
const VM_PAIRS = Number(process.env.BENCH_VM_PAIRS ?? 1_000_000);
const HOST_PAIRS = Number(process.env.BENCH_HOST_PAIRS ?? 4_000_000);
// And a process start about 20x slower: fewer of them.
const VM_SPAWNS = Number(process.env.BENCH_VM_SPAWNS ?? 100);
const HOST_SPAWNS = Number(process.env.BENCH_HOST_SPAWNS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// Instructions are counted (callgrind) for runs of COUNT_PAIRS and twice as many pairs, one thread.
const COUNT_PAIRS = Number(process.env.BENCH_COUNT_PAIRS ?? 100_000);

function parseMs(stdout, what) {
  const m = /^ms ([\d.]+)$/m.exec(stdout);
  if (!m) throw new Error(`${what}: no "ms" line in its output:\n${stdout}`);
  return Number(m[1]);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Each variant's median over RUNS rounds, a round running every variant once in turn: the machine is
 * shared, and a slow spell then slows every variant alike instead of one of them.
 */
async function medians(variants) {
  const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, run] of Object.entries(variants)) times[name].push(await run());
  }
  return Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]));
}

/** A run of command with args in the VM, plain or under the hook: its "ms" line. */
async function inVm(command, args, hook, env) {
  const raw = await runRaw(command, args, options, { hook, env, timeoutMs: 600_000 }, notice);
  const name = path.basename(command);
  if (raw.result.exitCode !== 0) throw new Error(`${name} in the VM failed: ${JSON.stringify(raw.result)}`);
  const leaked = [raw, ...(raw.children ?? [])].reduce((n, p) => n + p.records.length, 0);
  if (hook && leaked !== 0) throw new Error(`${name} leaked ${leaked} blocks under the hook`);
  return parseMs(raw.result.stdout, `${name} in the VM`);
}

const allocInVm = (threads, hook, env) => inVm(program, [String(VM_PAIRS), String(threads)], hook, env);

/** A run of command with args on this machine, plain or in the hook's host mode: its "ms" line. */
function onHost(command, args, { hook = false, hookEnv = {} } = {}) {
  // The hook's host mode as `pmm run --host` runs it: its ring in a file, drained into a records file.
  const dir = hook ? fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-bench-host-')) : null;
  const env = hook ? { LD_PRELOAD: path.join(root, 'hooklib', 'libpmm.so'), PMM_RECORD_DIR: dir, ...hookEnv } : {};
  try {
    const run = spawnSync(command, args, { encoding: 'utf8', cwd: os.tmpdir(), maxBuffer: 64 << 20, env: { ...process.env, ...env } });
    if (run.status !== 0) throw new Error(`${command} failed: ${run.error ?? run.stderr}`);
    if (hook) {
      const leaked = readRecordDir(dir).reduce((n, { process: p }) => n + p.records.length, 0);
      if (leaked !== 0) throw new Error(`${path.basename(command)} leaked ${leaked} blocks under the hook's host mode`);
    }
    return parseMs(run.stdout, command);
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The instructions alloc_heavy runs per malloc/free pair, one thread, plain or in host mode with hookEnv
 * (null: plain), as valgrind's callgrind counts them: unlike a time, the same figure on any x86-64
 * machine and from run to run, and under TCG the time follows it closely. The count of COUNT_PAIRS
 * pairs is taken from that of twice as many, which leaves process start and the hook's set-up out.
 */
function instructionsPerPair(hookEnv) {
  const count = (pairs) => {
    const dir = hookEnv ? fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-bench-count-')) : null;
    const env = hookEnv ? { LD_PRELOAD: path.join(root, 'hooklib', 'libpmm.so'), PMM_RECORD_DIR: dir, ...hookEnv } : {};
    try {
      const run = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', program, String(pairs), '1'], {
        encoding: 'utf8', cwd: os.tmpdir(), maxBuffer: 64 << 20, env: { ...process.env, ...env },
      });
      const m = /^==\d+== Collected : (\d+)$/m.exec(run.stderr ?? '');
      if (run.status !== 0 || !m) throw new Error(`callgrind alloc_heavy ${pairs} failed: ${run.error ?? run.stderr}`);
      return Number(m[1]);
    } finally {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  return (count(2 * COUNT_PAIRS) - count(COUNT_PAIRS)) / COUNT_PAIRS;
}

/** alloc_heavy on this machine, plain, in host mode, or under tool (valgrind, heaptrack: its command line). */
const allocOnHost = (threads, tool, hostMode) => {
  const args = [String(HOST_PAIRS), String(threads)];
  return tool.length ? onHost(tool[0], [...tool.slice(1), program, ...args]) : onHost(program, args, hostMode);
};

const notice = (message) => process.stderr.write(`${message}\n`);
const options = resolveOptions({});

async function main() {
  // Built like a user's ordinary optimised program (no frame pointers asked for).
  fs.mkdirSync(path.dirname(program), { recursive: true });
  execFileSync('gcc', ['-O2', '-g', '-Wall', '-Wextra', '-pthread', '-o', program, path.join(__dirname, 'alloc_heavy.c')], { stdio: 'inherit' });
  execFileSync('gcc', ['-O2', '-g', '-Wall', '-Wextra', '-o', spawner, path.join(__dirname, 'spawn_many.c')], { stdio: 'inherit' });
  const rows = [];
  for (const threads of [1, 4]) {
    const vm = await medians({
      plain: () => allocInVm(threads, false, {}),
      // Preloaded but recording nothing: what forwarding each call to glibc costs by itself.
      forwardOnly: () => allocInVm(threads, true, { PMM_HOOKS_ACTIVE: '0' }),
      hook: () => allocInVm(threads, true, {}),
      hookFp: () => allocInVm(threads, true, { PMM_STACK_UNWIND: 'fp' }),
      hookNoStack: () => allocInVm(threads, true, { PMM_STACK_DEPTH: '0' }),
      // Recording switched off and on at the start: every cancel after it is also read by pmm.ko.
      hookSwitched: () => allocInVm(threads, true, { ALLOC_HEAVY_SWITCH: '1' }),
    });
    const host = await medians({
      hostPlain: async () => allocOnHost(threads, []),
      hostHook: async () => allocOnHost(threads, [], { hook: true }),
      // The same settings as in the VM: what each part of the hook costs when it runs natively.
      hostForwardOnly: async () => allocOnHost(threads, [], { hook: true, hookEnv: { PMM_HOOKS_ACTIVE: '0' } }),
      hostNoStack: async () => allocOnHost(threads, [], { hook: true, hookEnv: { PMM_STACK_DEPTH: '0' } }),
      hostFp: async () => allocOnHost(threads, [], { hook: true, hookEnv: { PMM_STACK_UNWIND: 'fp' } }),
      hostSwitched: async () => allocOnHost(threads, [], { hook: true, hookEnv: { ALLOC_HEAVY_SWITCH: '1' } }),
      memcheck: async () => allocOnHost(threads, ['valgrind', '--tool=memcheck', '--leak-check=full', '-q']),
      heaptrack: async () => allocOnHost(threads, ['heaptrack', '-o', path.join(os.tmpdir(), `pmm-bench-heaptrack-${process.pid}`)]),
    });
    rows.push({ threads, ...vm, ...host });
  }
  const r = (x, base) => `${(x / base).toFixed(2)}x`;
  const lines = [
    `alloc_heavy: ${VM_PAIRS.toLocaleString('en')} malloc/free pairs per thread in the VM (TCG), ${HOST_PAIRS.toLocaleString('en')} on the host; median of ${RUNS} runs (each round runs every variant once), ms of the allocating part.`,
    '',
    'In the VM (ratios to plain):',
    '',
    '| threads | plain | preloaded, recording off | hook, no stack | hook, frame-pointer stacks | hook, default stacks | the same, recording switched off and on at start |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((x) => `| ${x.threads} | ${x.plain} | ${[x.forwardOnly, x.hookNoStack, x.hookFp, x.hook, x.hookSwitched].map((v) => `${v} (${r(v, x.plain)})`).join(' | ')} |`),
    '',
    'On the host (ratios to plain):',
    '',
    '| threads | plain | host mode, recording off | host mode, no stack | host mode, frame-pointer stacks | host mode, default stacks | the same, switched off and on at start | valgrind memcheck | heaptrack |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((x) => `| ${x.threads} | ${x.hostPlain} | ${[x.hostForwardOnly, x.hostNoStack, x.hostFp, x.hostHook, x.hostSwitched, x.memcheck, x.heaptrack].map((v) => `${v} (${r(v, x.hostPlain)})`).join(' | ')} |`),
  ];
  const counted = {
    plain: instructionsPerPair(null),
    forwardOnly: instructionsPerPair({ PMM_HOOKS_ACTIVE: '0' }),
    noStack: instructionsPerPair({ PMM_STACK_DEPTH: '0' }),
    fp: instructionsPerPair({ PMM_STACK_UNWIND: 'fp' }),
    hook: instructionsPerPair({}),
  };
  const c = (x) => `${x.toFixed(1)} (${r(x, counted.plain)})`;
  lines.push(
    '',
    `Instructions per malloc/free pair, one thread, plain and in host mode (callgrind's count for ${(2 * COUNT_PAIRS).toLocaleString('en')} pairs less that for ${COUNT_PAIRS.toLocaleString('en')}, per pair; ratios to plain):`,
    '',
    '| | plain | recording off | no stack | frame-pointer stacks | default stacks |',
    '|---|---|---|---|---|---|',
    `| instructions | ${counted.plain.toFixed(1)} | ${c(counted.forwardOnly)} | ${c(counted.noStack)} | ${c(counted.fp)} | ${c(counted.hook)} |`,
  );
  // Process start: the spawner itself is plain or hooked alike; what differs is each child's start.
  const start = await medians({
    vmPlain: () => inVm(spawner, [String(VM_SPAWNS), '/bin/true'], false, {}),
    vmHook: () => inVm(spawner, [String(VM_SPAWNS), '/bin/true'], true, {}),
    hostPlain: async () => onHost(spawner, [String(HOST_SPAWNS), '/bin/true']),
    hostHook: async () => onHost(spawner, [String(HOST_SPAWNS), '/bin/true'], { hook: true }),
  });
  const each = (ms, n) => (ms / n).toFixed(2);
  lines.push(
    '',
    `Process start: spawn_many starts /bin/true ${VM_SPAWNS} times in the VM, ${HOST_SPAWNS.toLocaleString('en')} on the host (posix_spawn, then waitpid); median of ${RUNS} runs, ms per process.`,
    '',
    '| | plain | under the hook | the hook adds |',
    '|---|---|---|---|',
    `| in the VM | ${each(start.vmPlain, VM_SPAWNS)} | ${each(start.vmHook, VM_SPAWNS)} | ${each(start.vmHook - start.vmPlain, VM_SPAWNS)} |`,
    `| on the host (host mode) | ${each(start.hostPlain, HOST_SPAWNS)} | ${each(start.hostHook, HOST_SPAWNS)} | ${each(start.hostHook - start.hostPlain, HOST_SPAWNS)} |`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main()
  .catch((err) => {
    process.stderr.write(`bench:hook: ${err.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    closeSymbolizer();
    await closeSharedVm();
    // heaptrack leaves its data files behind.
    spawnSync('sh', ['-c', `rm -f ${os.tmpdir()}/pmm-bench-heaptrack-${process.pid}*`]);
  });
