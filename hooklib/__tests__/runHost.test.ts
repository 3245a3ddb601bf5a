// Host mode, the path of `pmm run --host`: the same programs and the same expected leaks as in the VM
// (cases.ts), here without a VM: the hook writes its records to a file, the host replays and symbolizes them.
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough, Readable } from 'stream';
import { closeSymbolizer, symbolizeRun } from '../../harness/runProgram';
import { preloadablePath } from '../../qemu/paths';
import { runHostRaw } from '../host/runHost';
import { addressLimitCase, strayCase, runsAsRoot, pidNamespaceCase, describeNamespaceChildren, describeEndings, innerPids, dropUserCase, dropUserRuns, binaryOutputCase, childEndingsCase, describeChildPrograms, describeChildren, describeLeakObjects, describeLeaks, replacedSelfCase, replacedSelfCopies, describeMismatches, dlReuseCase, describePidReuse, describeDetached, detachedCase, killedChildCase, timedOutChildCase, execEnvCase, execImageCases, execUnhookedCase, fdExhaustCase, fsizeLimitCase, ringOverwriteCase, quickExitCase, unhookedChildren, forkFamilyCase, rawForkCase, vforkAllocCase, hookCases, inputCases, EndlessInput, outlivedCase, unmatchedFreeCase, pidReuseCase, programBin, setuidCopy, describeSystemEndings, startCase, systemEndingsCase } from './cases';

beforeAll(() => {
  if (fs.existsSync('/dev/pmm')) throw new Error('/dev/pmm exists: host mode needs a machine without pmm.ko');
  execFileSync('make', ['-C', path.join(__dirname, '..'), 'all', 'test-programs'], { stdio: 'pipe' });
}, 120_000);

afterAll(() => closeSymbolizer());

/** A run of pmm run --host's, symbolized, with no suppressions. */
const hostRun = async (program: string, args: string[] = []) => symbolizeRun(await runHostRaw(program, args, { timeoutMs: 60_000 }), []);

test.each(hookCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
  const raw = await runHostRaw(programBin(c.program), c.args, { timeoutMs: 60_000 });
  const result = await symbolizeRun(raw, []);
  expect(result.signal).toBe(c.signal);
  expect(result.exitCode).toBe(c.exitCode);
  if (c.stdout !== undefined) expect(result.stdout).toBe(c.stdout);
  expect(result.summary).toEqual(c.leak);
  expect(describeLeaks(result.leaks)).toEqual(c.leaks);
  // From replayRecords, the same as pmm.ko and pmd give in the VM.
  expect(describeMismatches(result.mismatches)).toEqual(c.mismatches);
  expect(result.mismatchedFrees).toBe(c.mismatches.length);
  expect(result.unmatchedFrees).toBe(c.unmatchedFrees ?? 0);
}, 60_000);

test("a program named without a slash is found on the PATH of the run's env, as child_process.spawn finds it", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-host-path-'));
  try {
    fs.copyFileSync('/bin/true', path.join(dir, 'pmm-on-path'));
    fs.chmodSync(path.join(dir, 'pmm-on-path'), 0o755);
    const raw = await runHostRaw('pmm-on-path', [], { timeoutMs: 60_000, env: { PATH: `${dir}:/usr/bin:/bin` } });
    expect(raw.result).toMatchObject({ program: path.join(dir, 'pmm-on-path'), exitCode: 0 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test.each(inputCases.map((c) => [c.name, c] as const))('stdin: %s', async (_name, c) => {
  const input = typeof c.input === 'function' ? c.input() : c.input;
  const result = await symbolizeRun(await runHostRaw(c.argv[0], c.argv.slice(1), { timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) }), []);
  // No unmatched free either: these programs set a locale, whose gettext blocks the C library frees at exit.
  expect({ exitCode: result.exitCode, signal: result.signal, stdout: result.stdout, leaked: result.summary.blocks, unmatchedFrees: result.unmatchedFrees })
    .toEqual({ exitCode: 0, signal: null, stdout: c.stdout, leaked: 0, unmatchedFrees: 0 });
});

test(binaryOutputCase.name, async () => {
  const c = binaryOutputCase;
  const run = await symbolizeRun(await runHostRaw(c.argv[0], c.argv.slice(1), { binary: true }), []);
  expect([run.stdoutBytes, run.stderrBytes]).toEqual([c.stdout, c.stderr]);
  expect([run.stdout, run.stderr]).toEqual([c.stdout.toString('utf8'), c.stderr.toString('utf8')]);
  const text = await symbolizeRun(await runHostRaw(c.argv[0], c.argv.slice(1)), []);
  expect([text.stdoutBytes, text.stderrBytes]).toEqual([undefined, undefined]);
  await expect(runHostRaw('/bin/true', [], { binary: 'yes' as unknown as boolean })).rejects.toThrow('pmm: option "binary" must be true or false, got "yes"');
});

test('stdin: an input that is not bytes, or over 32 MiB, is refused before anything runs', async () => {
  await expect(runHostRaw('/bin/cat', [], { input: 42 as unknown as string })).rejects.toThrow('pmm: option "input" must be a string, a Buffer, a Uint8Array or a Readable stream, got number');
  await expect(runHostRaw('/bin/cat', [], { input: Buffer.alloc(32 * 1024 * 1024 + 1) })).rejects.toThrow(/option "input" is 33554433 bytes, more than the 33554432/);
});

test('a process that exec()s 300 times keeps each image\'s object map with one link, not one try per number kept before', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-exec-chain-'));
  try {
    const trace = path.join(dir, 'trace');
    const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'pmm.js');
    const run = spawnSync('strace', ['-f', '-qq', '-e', 'trace=link', '-o', trace, process.execPath, cli, 'run', '--host', '--', programBin('exec_chain'), '300'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stdout).toBe('exec_chain: done\n');
    // The old images' blocks went with them; the last one's is the leak.
    expect(run.stderr).toContain('pmm: 7 bytes in 1 block leaked, from 1 stack\n');
    // One link per exec: trying each number from 1 made 45,150 for 300 execs.
    expect(fs.readFileSync(trace, 'utf8').split('\n').filter((line) => /\blink\(/.test(line))).toHaveLength(300);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test('stdin: an endless stream is read only as far as the program takes it; one that gives no bytes, or is destroyed before its end, fails the run', async () => {
  const endless = new EndlessInput();
  const result = await symbolizeRun(await runHostRaw('/usr/bin/head', ['-c', '5'], { input: endless }), []);
  expect(result.stdout).toBe('y\ny\ny');
  // The program's pipe holds the stream back: what it gave is the pipe's 64 KiB and the streams' buffers.
  expect(endless.given).toBeLessThan(2 * 1024 * 1024);
  await expect(runHostRaw('/bin/cat', [], { input: Readable.from([{ not: 'bytes' }]) })).rejects.toThrow(
    "pmm: the program's input is a stream that gave object, not bytes or a string; the program read the end of its input there",
  );
  // Destroyed before its end (no end, no error), at once or already: the program must not wait for an end.
  const cut = new PassThrough();
  cut.write('abc\n');
  setTimeout(() => cut.destroy(), 300);
  await expect(runHostRaw('/bin/cat', [], { input: cut })).rejects.toThrow(
    "pmm: the program's input stream was closed (destroyed) before its end; the program read the end of its input there",
  );
  const gone = new PassThrough();
  gone.destroy();
  await expect(runHostRaw('/bin/cat', [], { input: gone })).rejects.toThrow("pmm: the program's input stream was closed (destroyed) before its end");
});

if (!dropUserRuns) console.warn('drop_user skipped: it needs root, and a checkout that nobody can reach (every folder above it searchable by all)');
// Beside processes that keep every CPU busy, as on a loaded CI machine: there the child set itself up
// after its parent's end and the run's, and in about one run of ten went unnamed (program null) or was
// left running, unkilled (its ending null). So more runs than the VM's, one after another.
const DETACHED_HOST_RUNS = 16;
test.each(detachedCase.modes)(`${detachedCase.name}: %s, ${DETACHED_HOST_RUNS} runs on busy CPUs`, async (mode) => {
  const program = programBin(detachedCase.program);
  const busy = Array.from({ length: 2 * os.cpus().length }, () => spawn('/bin/sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
  try {
    for (let run = 0; run < DETACHED_HOST_RUNS; run++) {
      const result = await symbolizeRun(await runHostRaw(program, [mode], { timeoutMs: 60_000 }), []);
      expect(result.exitCode).toBe(0);
      expect(result.summary).toEqual({ bytes: 0, blocks: 0 });
      const children = describeDetached(result.children ?? []);
      expect(children).toHaveLength(1);
      expect(detachedCase.expected).toContain(children[0]);
      const pid = result.children![0].pid;
      expect(fs.existsSync(`/proc/${pid}`) ? fs.readFileSync(`/proc/${pid}/stat`, 'utf8') : 'gone').toMatch(/^gone$|\) Z /);
    }
  } finally {
    for (const b of busy) b.kill('SIGKILL');
  }
}, 60_000);

test(timedOutChildCase.name, async () => {
  for (const [args, expected] of [[timedOutChildCase.args, timedOutChildCase.expected], [timedOutChildCase.killedArgs, timedOutChildCase.killedExpected]]) {
    const raw = await runHostRaw(programBin(timedOutChildCase.program), args, { timeoutMs: timedOutChildCase.timeoutMs });
    const result = await symbolizeRun(raw, []);
    expect(result.timedOut).toBe(true);
    expect([args, describeDetached(result.children ?? [])]).toEqual([args, expected]);
  }
});

test(killedChildCase.name, async () => {
  const result = await symbolizeRun(await runHostRaw(programBin(killedChildCase.program), killedChildCase.args), []);
  expect(result.exitCode).toBe(0);
  expect(result.summary).toEqual({ bytes: 0, blocks: 0 });
  expect(describeDetached(result.children ?? [])).toEqual(killedChildCase.expected);
});

test(strayCase.name, async () => {
  const result = await hostRun(strayCase.program, strayCase.args);
  expect(result.exitCode).toBe(0);
  const pid = strayCase.strayPid(result.stdout);
  const gone = (): boolean => !fs.existsSync(`/proc/${pid}`) || / Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ''));
  try {
    expect(gone()).toBe(true);
  } finally {
    if (!gone()) process.kill(pid, 'SIGKILL');
  }
});

test.each([forkFamilyCase, outlivedCase, rawForkCase, vforkAllocCase, addressLimitCase, ...(dropUserRuns ? [dropUserCase] : [])].map((c) => [c.name, c] as const))('%s', async (_name, c) => {
  const program = programBin(c.program);
  const raw = await runHostRaw(program, [], { timeoutMs: 60_000 });
  const result = await symbolizeRun(raw, []);
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toBe(c.stdout);
  expect(result.summary).toEqual(c.leak);
  expect(describeLeaks(result.leaks)).toEqual(c.leaks);
  expect(describeChildren(result.children ?? [], program)).toEqual(c.children);
  // Each named by the file it ran last: a fork that did not exec, the program's own.
  expect(describeChildPrograms(result.children ?? [], program)).toEqual(c.childPrograms);
  // Each child under its own pid, none the program's.
  const pids = (result.children ?? []).map((c) => c.pid);
  expect(new Set(pids).size).toBe(pids.length);
  // None outlives the run.
  for (const pid of pids) expect(fs.existsSync(`/proc/${pid}`) ? fs.readFileSync(`/proc/${pid}/stat`, 'utf8') : 'gone').toMatch(/^gone$|\) Z /);
  // How each ended, as in the VM: the program reaped fork_family's children and marked each status;
  // outlived's child was killed by the run.
  const endings = (result.children ?? []).map((child) => child.signal ?? `status ${child.exitCode}`);
  expect(new Set(endings)).toEqual(new Set([c.program === 'outlived' ? 'SIGKILL' : 'status 0']));
}, 60_000);

if (!runsAsRoot) console.warn('pid_namespace skipped: unshare(CLONE_NEWPID) needs root');
(runsAsRoot ? test.each : test.skip.each)([false, true])(`${pidNamespaceCase.name} (outlive: %s)`, async (outlive) => {
  const c = pidNamespaceCase;
  const result = await hostRun(programBin(c.program), c.args(outlive));
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toBe(c.stdout(outlive));
  expect(describeNamespaceChildren(result.children ?? [])).toEqual(c.children(outlive));
  // Not by their pids in there (1, 2 and 3); none outlives the run.
  expect(innerPids(result.children ?? [])).toEqual([]);
  for (const { pid } of result.children ?? []) expect(fs.existsSync(`/proc/${pid}`) ? fs.readFileSync(`/proc/${pid}/stat`, 'utf8') : 'gone').toMatch(/^gone$|\) Z /);
}, 60_000);

(runsAsRoot ? test : test.skip)(`${pidNamespaceCase.name}: one that mounted a /proc of its own`, async () => {
  const { argv, exitCode, children } = pidNamespaceCase.mountProc;
  const result = await hostRun(argv[0], argv.slice(1));
  expect(result.exitCode).toBe(exitCode);
  expect(describeNamespaceChildren(result.children ?? [])).toEqual(children);
  expect(innerPids(result.children ?? [])).toEqual([]);
}, 60_000);

(runsAsRoot ? test : test.skip)(`${pidNamespaceCase.name}: six that mounted a /proc of their own, at once`, async () => {
  const { argv, rounds, children } = pidNamespaceCase.parallel;
  for (let round = 0; round < rounds; round++) {
    const result = await hostRun(argv[0], argv.slice(1));
    expect(result.exitCode).toBe(0);
    expect(describeNamespaceChildren(result.children ?? [])).toEqual(children);
    expect(innerPids(result.children ?? [])).toEqual([]);
  }
}, 60_000);

(runsAsRoot ? test.each : test.skip.each)(pidNamespaceCase.endings.map((c) => [c.argv[c.argv.length - 1], c] as const))(`${pidNamespaceCase.name}: the endings only a wait in there tells (sh -c %s)`, async (_script, c) => {
  const { argv, exitCode, children } = c;
  const result = await hostRun(argv[0], argv.slice(1));
  expect(result.exitCode).toBe(exitCode);
  expect(describeEndings(result.children ?? [])).toEqual(children);
}, 60_000);

test("a forked child's crash is in its entry: the signal, and what it leaked until then", async () => {
  // As in the VM: the shell is the program; killed_midway, which it runs, leaks five blocks and dies of SIGSEGV.
  const result = await hostRun('/bin/sh', ['-c', `${programBin('killed_midway')} segv; exit 3`]);
  expect(result.exitCode).toBe(3);
  const crashed = (result.children ?? []).filter((child) => child.signal !== null);
  // Named by the file it ran: what the user looks for in a script's children.
  expect(crashed.map((child) => [child.program, child.signal, child.exitCode, describeLeaks(child.leaks)])).toEqual([
    [programBin('killed_midway'), 'SIGSEGV', null, ['615/5 malloc leak_before_dying<main']],
  ]);
}, 60_000);

test(childEndingsCase.name, async () => {
  const result = await hostRun('/bin/sh', ['-c', childEndingsCase.script]);
  expect(result.exitCode).toBe(childEndingsCase.exitCode);
  expect((result.children ?? []).map((child) => [child.exitCode, child.signal])).toEqual(childEndingsCase.endings);
}, 60_000);

test(systemEndingsCase.name, async () => {
  const c = systemEndingsCase;
  // Without the hook, the C library's system() prints the same.
  expect(execFileSync(programBin(c.program), { encoding: 'utf8' })).toBe(c.stdout);
  const result = await hostRun(programBin(c.program));
  expect(result.stdout).toBe(c.stdout);
  expect(describeSystemEndings(result)).toEqual(c.expected);
}, 60_000);

test(execEnvCase.name, async () => {
  const c = execEnvCase;
  const result = await hostRun(programBin(c.program));
  expect(result.exitCode).toBe(0);
  // Each new image got the program's own variable too: what it passed is kept.
  expect(result.stdout).toBe(c.stdout);
  expect(result.summary).toEqual({ bytes: 0, blocks: 0 });
  expect(describeChildren(result.children ?? [], programBin(c.program))).toEqual(c.children);
  // The environment popen() had back after clearenv was the hook's own copy: nothing of it was freed by
  // the C library unseen (setenv's blocks, made inside the hook, were: two frees never seen allocated).
  expect([result, ...(result.children ?? [])].map((p) => p.unmatchedFrees)).toEqual(Array(1 + (result.children ?? []).length).fill(0));
}, 60_000);

if (!runsAsRoot) console.warn('pid_reuse skipped: choosing a child\'s pid needs root');
(runsAsRoot ? test : test.skip)(pidReuseCase.name, async () => {
  const c = pidReuseCase;
  const result = await hostRun(programBin(c.program));
  // 3: the pid could not be given again (clone3's set_tid needs root), and its message is in stderr.
  expect([result.exitCode, result.stderr]).toEqual([0, '']);
  expect(describePidReuse(result.children ?? [], result.stdout)).toEqual({ samePid: true, children: c.children });
  expect(result.summary).toEqual({ bytes: 0, blocks: 0 });
});

test(execUnhookedCase.name, async () => {
  const c = execUnhookedCase;
  const program = programBin(c.program);
  for (const image of [c.staticImage, c.ownImage]) {
    await expect(hostRun(program, ['self', image])).rejects.toThrow(c.selfError(program, image));
    await expect(hostRun(program, ['self-crash', image])).rejects.toThrow(c.selfCrashEnd);
    for (const mode of c.childModes) {
      const run = await hostRun(program, [mode, image]);
      expect([mode, run.stdout]).toEqual([mode, c.childStdout]);
      expect([mode, describeLeaks(run.leaks)]).toEqual([mode, c.leaks]);
      // The child is said, under the image it ran; its blocks from before the exec went with that image.
      expect([mode, unhookedChildren(run)]).toEqual([mode, [[image, { bytes: 0, blocks: 0 }]]]);
    }
  }
  const failed = await hostRun(program, ['failed']);
  expect(failed.stdout).toBe(c.failedStdout);
  expect(describeLeaks(failed.leaks)).toEqual(c.leaks);
  expect(failed.children).toEqual([]);
}, 120_000);

test(dlReuseCase.name, async () => {
  const result = await hostRun(programBin(dlReuseCase.program), dlReuseCase.args);
  expect([result.exitCode, describeLeakObjects(result.leaks)]).toEqual([0, dlReuseCase.leaks]);
  const again = await hostRun(programBin(dlReuseCase.program), dlReuseCase.again.args);
  expect([again.exitCode, describeLeakObjects(again.leaks)]).toEqual([0, dlReuseCase.again.leaks]);
}, 60_000);

test(replacedSelfCase.name, async () => {
  const { dir, self, other } = replacedSelfCopies();
  try {
    const unreplaced = await hostRun(self);
    const replaced = await hostRun(self, [other]);
    expect([unreplaced.exitCode, replaced.exitCode]).toEqual([0, 0]);
    expect([describeLeakObjects(unreplaced.leaks), describeLeakObjects(replaced.leaks)]).toEqual([replacedSelfCase.unreplaced, replacedSelfCase.expected]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test(quickExitCase.name, async () => {
  for (const [mode, exitCode, leaks, stdout = `quick_exit: ${mode}\n`] of quickExitCase.runs) {
    const result = await hostRun(programBin(quickExitCase.program), [mode]);
    expect([mode, result.exitCode, result.stdout, describeLeaks(result.leaks)]).toEqual([mode, exitCode, stdout, leaks]);
  }
}, 60_000);

test(fdExhaustCase.name, async () => {
  const c = fdExhaustCase;
  // Its records file stays open in the hook from the start: every record arrives.
  const kept = await hostRun(programBin(c.program), ['keep']);
  expect([kept.exitCode, kept.stdout, kept.summary]).toEqual([0, c.stdout, c.leak]);
  expect(describeLeaks(kept.leaks)).toEqual(c.leaks);
  // Closed by the program and no descriptor left to open it again: the records cannot all be written,
  // and pmm says so (the ring file carries it, where no file can be made), rather than report a part.
  await expect(hostRun(programBin(c.program), ['close'])).rejects.toThrow(/its records could not all be written to .* \(a full file system, a file size limit, no file descriptor left, or a chroot away from it\)/);
  // A child forked under a limit below every descriptor: neither it nor its parent can make a file for it.
  // It was left out of the run, which said "no leaks".
  for (const mode of ['fork', 'closefork']) {
    await expect(hostRun(programBin(c.program), [mode])).rejects.toThrow(
      /^host mode, process \d+: its forked child \d+ could not be followed: neither process could open a file to record it in \(no descriptor free: the program lowered RLIMIT_NOFILE, or used them all; or a chroot away from the folder\), so what the child allocated is not known$/,
    );
  }
}, 60_000);

test(fsizeLimitCase.name, () => {
  const c = fsizeLimitCase;
  const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'pmm.js');
  // Its records cannot all go to a file it may not grow past 1 MiB: the program runs on, and pmm says so
  // (before, the hook's own write raised SIGXFSZ and killed it: no line, status 153, part of the figures).
  const limited = spawnSync(process.execPath, [cli, 'run', '--host', '--', programBin(c.program)], { encoding: 'utf8', timeout: 60_000 });
  expect([limited.status, limited.signal, limited.stdout]).toEqual([3, null, c.stdout]);
  expect(limited.stderr).toMatch(/^pmm: host mode, process \d+: its records could not all be written to .* \(a full file system, a file size limit, no file descriptor left, or a chroot away from it\), so what it allocated is not known\n$/);
  // The program's own write past its limit kills it as without pmm; what it leaked until then is all there.
  const exceeded = spawnSync(process.execPath, [cli, 'run', '--host', '--', programBin(c.program), 'exceed'], { encoding: 'utf8', timeout: 60_000 });
  expect(exceeded.stdout).toBe('');
  expect(exceeded.stderr).toContain(`pmm: the program was killed by ${c.exceed.signal}\npmm: ${c.exceed.leak.bytes} bytes in ${c.exceed.leak.blocks} blocks leaked, from 1 stack\n`);
  // A child forked under a limit below its object map: its leak was reported with no frame named ("by 0x... (??)").
  const forked = spawnSync(process.execPath, [cli, 'run', '--host', '--', programBin(c.program), 'fork'], { encoding: 'utf8', timeout: 60_000 });
  const child = /^fsize_limit: child (\d+)\n$/.exec(forked.stdout)?.[1];
  expect([forked.status, child]).toEqual([3, expect.any(String)]);
  expect(forked.stderr).toMatch(new RegExp(`^pmm: host mode, process ${child}: its records could not all be written to .*, so what it allocated is not known\n$`));
}, 60_000);

test.each(ringOverwriteCase.modes)(`${ringOverwriteCase.name}: host mode (%s)`, async (mode) => {
  await expect(hostRun(programBin(ringOverwriteCase.program), [mode])).rejects.toThrow(ringOverwriteCase.hostErrors[mode]);
}, 60_000);

test.each(execImageCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
  const result = await hostRun(programBin(c.program), c.args);
  expect(result.exitCode).toBe(c.exitCode);
  expect(result.stdout).toBe(c.stdout);
  expect(result.summary).toEqual(c.leak);
  expect(describeLeaks(result.leaks)).toEqual(c.leaks);
  expect(result.mismatchedFrees).toBe(c.mismatches.length);
  expect(describeMismatches(result.mismatches)).toEqual(c.mismatches);
  expect(result.children ?? []).toEqual([]);
}, 60_000);

test("suppressions apply to the forked children's leaks as to the program's, and pmm run says so", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-supp-children-'));
  try {
    // fork_family's program and its children all leak in leak(); the shell system() runs leaks elsewhere.
    const lsan = path.join(dir, 'lsan.supp');
    fs.writeFileSync(lsan, 'leak:leak\n');
    const program = programBin(forkFamilyCase.program);
    const result = await symbolizeRun(await runHostRaw(program, [], { timeoutMs: 60_000 }), [lsan]);
    expect(result.summary).toEqual({ bytes: 0, blocks: 0 });
    expect(result.suppressed?.summary).toEqual(forkFamilyCase.leak);
    const ours = (result.children ?? []).filter((c) => (c.suppressed?.leaks ?? []).some((l) => l.frames[0]?.object === program));
    expect(ours.map((c) => describeLeaks(c.suppressed?.leaks ?? []).join(', ')).sort()).toEqual(forkFamilyCase.children.filter((c) => c !== 'shell'));
    for (const child of ours) expect(child.summary).toEqual({ bytes: 0, blocks: 0 });
    // Every child has its suppressed figures, even at nothing.
    for (const child of result.children ?? []) expect(child.suppressed).toBeDefined();

    const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'pmm.js');
    const run = spawnSync(process.execPath, [cli, 'run', '--host', '--', program], { encoding: 'utf8', env: { ...process.env, PMM_SUPPRESSIONS: lsan } });
    expect(run.stderr).toContain('pmm: suppressed: 100 bytes in 1 block\n');
    expect(run.stderr.match(/^pmm: forked child \d+ \(\S+\): suppressed: /gm)).toHaveLength(ours.length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test('refuses a statically linked program, which the hook cannot reach, rather than call it leak-free', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-static-'));
  try {
    const source = path.join(dir, 'static_leak.c');
    const binary = path.join(dir, 'static_leak');
    fs.writeFileSync(source, '#include <stdlib.h>\nvoid *volatile sink;\nint main(void) { sink = malloc(10); return 0; }\n');
    execFileSync('gcc', ['-static', '-o', binary, source]);
    await expect(runHostRaw(binary, [])).rejects.toThrow(`pmm: cannot run ${binary} under the hook: it is statically linked`);
    const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'pmm.js');
    const run = spawnSync(process.execPath, [cli, 'run', '--host', '--', binary], { encoding: 'utf8' });
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/statically linked/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test(startCase.name, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-start-'));
  try {
    const { badInterpreter, noShebang } = startCase.make(dir);
    for (const [cwd, refusal] of startCase.cwdRefusals(dir)) await expect(runHostRaw('/bin/pwd', [], { cwd })).rejects.toThrow(refusal);
    await expect(runHostRaw(badInterpreter, [])).rejects.toThrow(startCase.refusal(badInterpreter));
    const run = await runHostRaw(noShebang, startCase.args);
    expect([run.result.exitCode, run.result.stdout]).toEqual([0, startCase.stdout]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

if (!runsAsRoot) console.warn('set-user-ID test skipped: it needs root to give a file to nobody');
(runsAsRoot ? test : test.skip)('a run whose program never started the hook (set-user-ID) is an error, not a clean result', async () => {
  const setuid = setuidCopy('leak_three');
  try {
    await expect(runHostRaw(setuid.file, [])).rejects.toThrow(
      `pmm: the hook never started in ${setuid.file} (it exited with status 7), so its allocations were not seen`,
    );
  } finally {
    setuid.remove();
  }
}, 60_000);

test('pmm run --host --json reports a program run on this machine, without a VM', () => {
  const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'pmm.js');
  // Named relative to the cwd: the report names it by its full path, as the VM's does.
  const program = programBin('cxx_operators');
  const run = spawnSync(process.execPath, [cli, 'run', '--host', '--json', '--', `./${path.basename(program)}`], { encoding: 'utf8', cwd: path.dirname(program) });
  // Exit status 1: the program exited 0 but leaked.
  expect(run.status).toBe(1);
  const result = JSON.parse(run.stdout);
  expect(result.program).toBe(program);
  expect(result.summary).toEqual({ bytes: 90, blocks: 4 });
  expect(result.mismatchedFrees).toBe(2);
  expect(run.stderr).not.toMatch(/booting/);
}, 60_000);

test('pmm run gives its whole report through a pipe, past the pipe\'s 64 KiB', () => {
  const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'pmm.js');
  // bash leaves hundreds of blocks at exit: a report of about half a megabyte, to a pipe (spawnSync's).
  const json = spawnSync(process.execPath, [cli, 'run', '--host', '--json', '--', 'bash', '-c', 'bash -c true; true'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(json.stdout.length).toBeGreaterThan(256 * 1024);
  const result = JSON.parse(json.stdout);
  expect(result.summary.blocks).toBeGreaterThan(100);
  // The text lists the first 100 blocks one by one, then all by stack (down to main): with a child bash's
  // report too, more than the pipe holds.
  const text = spawnSync(process.execPath, [cli, 'run', '--host', '--', 'bash', '-c', 'bash -c true; true'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(text.stderr.length).toBeGreaterThan(64 * 1024);
  expect(text.stderr).toContain(`pmm: the first 100 of ${result.summary.blocks} unmatched allocations are listed above; all of them by stack:\n`);
  expect(text.stderr).toContain(`pmm: ${result.summary.bytes} bytes in ${result.summary.blocks} blocks leaked, from ${result.leaks.length} stacks\n`);
}, 60_000);

test('pmm run --host reports mismatched releases as valgrind does, and exits non-zero for them alone', () => {
  const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'pmm.js');
  const source = path.join(__dirname, 'programs', 'mismatched_frees.cc');
  const run = spawnSync(process.execPath, [cli, 'run', '--host', '--', programBin('mismatched_frees')], { encoding: 'utf8' });
  // The program exited 0 and leaked nothing: the status is for the mismatches.
  expect(run.status).toBe(1);
  expect(run.stdout).toBe('mismatched_frees: done\n');
  expect(run.stderr).toMatch(new RegExp(`Mismatched free\\(\\) / delete / delete \\[\\]: new\\[\\] block of 40 bytes released with delete\n   at 0x[0-9a-f]+: array_by_delete \\(${source}:21\\)\n   by 0x[0-9a-f]+: main \\(${source}:83\\)\n`));
  expect(run.stderr).toMatch(new RegExp(` is 0 bytes inside a block of size 40 alloc'd by new\\[\\]\n   at 0x[0-9a-f]+: array_by_delete \\(${source}:19\\)\n   by 0x[0-9a-f]+: main \\(${source}:83\\)\n`));
  expect(run.stderr).toMatch(new RegExp(`released with realloc\n   at 0x[0-9a-f]+: new_by_realloc \\(${source}:65\\)\n`));
  expect(run.stderr.match(/^Mismatched free\(\) \/ delete \/ delete \[\]: /gm)).toHaveLength(7);
  expect(run.stderr).toContain('pmm: no leaks: every allocation was freed\npmm: 7 blocks released by a mismatched free/delete\n');
  const matched = spawnSync(process.execPath, [cli, 'run', '--host', '--', programBin('mismatched_frees'), 'matched'], { encoding: 'utf8' });
  expect(matched.status).toBe(0);
  expect(matched.stderr).not.toContain('Mismatched');
}, 60_000);

test('suppression files take matching leaks out of the report and count them apart', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-supp-'));
  try {
    const lsan = path.join(dir, 'lsan.supp');
    const valgrind = path.join(dir, 'valgrind.supp');
    fs.writeFileSync(lsan, '# the first of cxx_operators leaks\nleak:leak_new_array\n');
    fs.writeFileSync(valgrind, '{\n   aligned\n   Memcheck:Leak\n   fun:operator new*\n   fun:leak_aligned\n}\n');
    const raw = await runHostRaw(programBin('cxx_operators'), []);
    const result = await symbolizeRun(raw, [lsan, valgrind]);
    expect(result.summary).toEqual({ bytes: 4 + 12, blocks: 2 });
    expect(result.suppressed?.summary).toEqual({ bytes: 10 + 64, blocks: 2 });
    expect(describeLeaks(result.suppressed?.leaks ?? [])).toEqual(['10/1 new[] leak_new_array<main', '64/1 new leak_aligned<main']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test('a hook in a folder whose path holds a space is preloaded all the same (through a link without one)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm host space '));
  try {
    const hook = path.join(dir, 'libpmm.so');
    fs.copyFileSync(path.join(__dirname, '..', 'libpmm.so'), hook);
    const result = await symbolizeRun(await runHostRaw(path.join(__dirname, '..', '..', 'fixtures', 'bin', 'leak_three_blocks'), [], { hook, timeoutMs: 60_000 }), []);
    expect(result.summary).toEqual({ bytes: 600, blocks: 3 });
    fs.rmSync(path.dirname(preloadablePath(hook)), { recursive: true, force: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('stdout and stderr keep their first 16 MiB each, as in the VM, and the run says it cut them', async () => {
  const raw = await runHostRaw('/bin/sh', ['-c', 'head -c 17000000 /dev/zero; echo err >&2'], { timeoutMs: 60_000 });
  expect(raw.result.stdout.length).toBe(16 * 1024 * 1024);
  expect(raw.result.stderr).toBe('err\n');
  expect(raw.result.outputTruncated).toBe(true);
  expect((await runHostRaw('/bin/echo', ['short'], { timeoutMs: 60_000 })).result).not.toHaveProperty('outputTruncated');
});

test('a free of a block never seen allocated is counted, and is no leak', async () => {
  const clean = await hostRun(unmatchedFreeCase.clean);
  const result = await hostRun(programBin(unmatchedFreeCase.program));
  expect([clean.unmatchedFrees, result.unmatchedFrees]).toEqual([0, 1]);
});

test('a run whose arguments and environment are larger than execve takes cannot start, in pmm\'s words (it was "spawn E2BIG")', async () => {
  await expect(runHostRaw('/bin/true', [], { env: { PMM_TEST_BIG: 'x'.repeat(120_000) }, timeoutMs: 60_000 }).then(() => 'ran')).resolves.toBe('ran');
  const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`PMM_TEST_BIG${i}`, 'x'.repeat(120_000)]));
  await expect(runHostRaw('/bin/true', [], { env: big, timeoutMs: 60_000 })).rejects.toThrow(
    'pmm: cannot start /bin/true: its arguments and environment together are larger than execve takes (E2BIG)',
  );
});

test("argv[0] is the program's name as given, a name found on PATH or a relative path, as execvp and valgrind give it (it was the path pmm found)", async () => {
  const byName = await runHostRaw('cat', ['/proc/self/cmdline'], { timeoutMs: 60_000 });
  const relative = await runHostRaw('./cat', ['/proc/self/cmdline'], { cwd: '/usr/bin', timeoutMs: 60_000 });
  expect([byName.result.stdout, relative.result.stdout, relative.result.program]).toEqual(['cat\0/proc/self/cmdline\0', './cat\0/proc/self/cmdline\0', '/usr/bin/cat']);
});

test('recording started off in an image whose environment the program gave PMM_HOOKS_ACTIVE=0 (env, a shell) is said of it', async () => {
  // The image's map says so: it said "every allocation was freed", and a forked child nothing.
  const viaEnv = await hostRun('/usr/bin/env', ['PMM_HOOKS_ACTIVE=0', programBin('hooks_switch')]);
  expect([viaEnv.recordingOffAtStart, viaEnv.summary]).toEqual([true, { bytes: 333, blocks: 1 }]);
  const viaShell = await hostRun('/bin/sh', ['-c', `PMM_HOOKS_ACTIVE=0 ${programBin('hooks_switch')}; true`]);
  expect([viaShell.recordingOffAtStart, viaShell.children?.map((c) => [c.recordingOffAtStart, c.summary])]).toEqual([undefined, [[true, { bytes: 333, blocks: 1 }]]]);
  // A child forked once the image had turned recording on started with it on (it inherited the flag).
  const forked = await hostRun('/usr/bin/env', ['PMM_HOOKS_ACTIVE=0', programBin('hooks_switch'), 'fork']);
  expect([forked.recordingOffAtStart, forked.children?.map((c) => [c.recordingOffAtStart, c.summary])]).toEqual([true, [[undefined, { bytes: 444, blocks: 1 }]]]);
});

test("the descriptor numbers a program gets are its own: the hook keeps its files high up", async () => {
  // Under a limit below 512, the records file opened again took descriptor 0: a daemon's stderr.
  for (const [mode, stdout] of [['first', 'fd_numbers: 3\n'], ['closed', 'fd_numbers: 0 1 2\n']]) {
    const result = await hostRun(programBin('fd_numbers'), [mode]);
    expect([mode, result.exitCode, result.stdout, result.summary]).toEqual([mode, 0, stdout, { bytes: 10, blocks: 1 }]);
  }
});

test.each([['files'], ['dir']])("a program that removes host mode's record %s (it empties its TMPDIR) is said to have done so", async (what) => {
  // It was a raw "ENOENT: no such file or directory, scandir", or "the hook never started" (set-user-ID...).
  await expect(hostRun(programBin('record_dir_removed'), [what])).rejects.toThrow(
    /^pmm: the program removed pmm's files from .*: host mode records each process in files under TMPDIR, and the program \(or a process of its run\) emptied it, so what it allocated is not known; run it in the VM/,
  );
});
