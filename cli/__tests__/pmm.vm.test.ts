// The pmm command end to end: each invocation boots its own VM, as a user's would.
import { execFileSync, spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { programBin, reallocPrevCase, startCase } from '../../hooklib/__tests__/cases';
import { junitSchemaErrors } from '../../reporters/__tests__/validateJunit';
import { pmmIntoHead } from './intoHead';
import { pmmOnTerminal, pmmProcessesBelow, pmmSignalled, processCommand, processState, processTree, terminalSession, waitUntil } from './signalled';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli', 'pmm.js');
const fixture = (name: string): string => path.join(root, 'fixtures', 'bin', name);
const leakSource = path.join(root, 'fixtures', 'leak_three_blocks.c');
// A library the user preloads: one that node (pmm) and the program load anyway, so it changes nothing.
const preloaded = '/lib/x86_64-linux-gnu/libm.so.6';

function pmm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return pmmWith({}, ...args);
}

function pmmWith(env: Record<string, string>, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 170_000, env: { ...process.env, ...env } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface JsonLeak {
  bytes: number;
  blocks: number;
  frames: Array<{ address: string; function: string | null; file: string | null; line: number | null; object: string | null }>;
}

test('run --json: three blocks of 100, 200 and 300 bytes, at their functions and lines', () => {
  const run = pmm('run', '--json', '--', fixture('leak_three_blocks'));
  expect(run.status).toBe(1);
  const result = JSON.parse(run.stdout) as { exitCode: number; signal: string | null; summary: object; leaks: JsonLeak[] };
  expect(result.exitCode).toBe(0);
  expect(result.signal).toBeNull();
  expect(result.summary).toEqual({ bytes: 600, blocks: 3 });
  const sites = result.leaks
    .map((l) => ({ bytes: l.bytes, blocks: l.blocks, function: l.frames[0].function, file: l.frames[0].file, line: l.frames[0].line }))
    .sort((a, b) => a.bytes - b.bytes);
  expect(sites).toEqual([
    { bytes: 100, blocks: 1, function: 'leak_malloc', file: leakSource, line: 9 },
    { bytes: 200, blocks: 1, function: 'leak_calloc', file: leakSource, line: 14 },
    { bytes: 300, blocks: 1, function: 'leak_realloc', file: leakSource, line: 21 },
  ]);
  for (const leak of result.leaks) {
    expect(leak.frames[0]).toMatchObject({ object: fixture('leak_three_blocks'), address: expect.stringMatching(/^0x[0-9a-f]+$/) });
    expect(leak.frames[1]).toMatchObject({ function: 'main', file: leakSource });
  }
}, 180_000);

test("run: the seed's log format, then a summary, and a non-zero status", () => {
  const run = pmm('run', '--', fixture('leak_three_blocks'));
  expect(run.status).toBe(1);
  expect(run.stdout).toBe('leak_three_blocks: done\n');
  expect(run.stderr).toMatch(/^\{MALLOC @\d\d:\d\d:\d\d\} Sz: 100B Pointer: 0x[0-9a-f]+ Caller: 0x[0-9a-f]+ leak_malloc\(\) 9 leak_three_blocks\.c$/m);
  expect(run.stderr).toMatch(/^\{CALLOC @\d\d:\d\d:\d\d\} Sz: 200B Pointer: 0x[0-9a-f]+ Caller: 0x[0-9a-f]+ leak_calloc\(\) 14 leak_three_blocks\.c$/m);
  expect(run.stderr).toMatch(/^\{REALLOC @\d\d:\d\d:\d\d\} Sz: 300B Prev Pointer: 0x[0-9a-f]+ Pointer: 0x[0-9a-f]+ Caller: 0x[0-9a-f]+ leak_realloc\(\) 21 leak_three_blocks\.c$/m);
  expect(run.stderr).toContain(`    by main (${leakSource}:28)`);
  expect(run.stderr).toContain('pmm: 600 bytes in 3 blocks leaked, from 3 stacks');
}, 180_000);

test("run: the environment's LD_PRELOAD reaches the program, after the hook, as in host mode", () => {
  const run = pmmWith({ LD_PRELOAD: preloaded }, 'run', '--', '/usr/bin/printenv', 'LD_PRELOAD');
  expect(run.stdout.trimEnd().split(':')).toEqual([expect.stringMatching(/\/libpmm\.so$/), preloaded]);
  expect(run.status).toBe(0);
}, 180_000);

test('run --growth: memory that grows steadily while the program runs is a failure (status 1), with the figures; a warm-up then flat is not', () => {
  const grows = pmm('run', '--growth', '--', fixture('grow_then_free'), '150');
  expect(grows.stderr).toContain('pmm: no leaks: every allocation was freed\n');
  expect(grows.stderr).toMatch(/^pmm: \S+\/grow_then_free grew steadily while it ran: rss \+\d+ bytes/m);
  expect(grows.stderr).toMatch(/^pmm: {3}rss: \d+ bytes over \d+ samples after \d+ of warm-up; quarter medians .* \(rising\)/m);
  expect(grows.status).toBe(1);
  const flat = pmm('run', '--growth', '--json', '--', fixture('warm_up_then_flat'), '150');
  const result = JSON.parse(flat.stdout) as { growth: { growing: boolean; samples: number } };
  expect(result.growth.growing).toBe(false);
  expect(result.growth.samples).toBeGreaterThanOrEqual(8);
  expect(flat.status).toBe(0);
}, 180_000);

test('run: a clean program exits 0 and says so', () => {
  const run = pmm('run', '--', fixture('clean_exit'));
  expect(run.stderr).toContain('pmm: no leaks');
  expect(run.status).toBe(0);
}, 180_000);

// valgrind's -q, for a CI log that shows pmm only where something is wrong; and its options for what pmm
// does anyway, so that a valgrind line works as it is.
test('run -q: nothing from a clean program, not even the VM\'s boot; a leak still said whole', () => {
  const clean = pmm('run', '-q', '--leak-check=full', '--error-exitcode=9', '--', fixture('clean_exit'));
  expect(clean.stderr).toBe('');
  expect(clean.status).toBe(0);
  const leaking = pmm('run', '-q', '--leak-check=full', '--error-exitcode=9', '--', fixture('leak_three_blocks'));
  expect(leaking.stderr).not.toContain('booting');
  expect(leaking.stderr).toMatch(/^\{MALLOC @/);
  expect(leaking.stderr).toContain('pmm: 600 bytes in 3 blocks leaked, from 3 stacks\n');
  expect(leaking.status).toBe(9);
}, 180_000);

test('run and run --host: a script whose #! interpreter is missing exits 127, as a shell and env(1) do, with the same pmm: words in both modes', () => {
  const dir = fs.mkdtempSync('/tmp/pmm-start-'); // in the /tmp the guest shares
  try {
    const { badInterpreter } = startCase.make(dir);
    for (const mode of [['--host'], []]) {
      const run = pmm('run', ...mode, '--', badInterpreter);
      expect([mode, run.status, run.stderr.split('\n').filter((line) => !/booting the guest VM/.test(line))]).toEqual([mode, 127, [startCase.refusal(badInterpreter), '']]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);

test('exec: output and exit status pass through, as root, with pmm.ko loaded', () => {
  const run = pmm('exec', '--', '/bin/sh', '-c', 'echo out; id -u; cat /proc/pmm/cfg; echo err >&2; exit 5');
  expect(run.status).toBe(5);
  expect(run.stdout).toBe(
    'out\n0\nConfigs:\n["INTERVAL" (Scan Interval) :=10000]\n["SCAN" (Scan on:1/off:0) := 1]\n' +
      '["START_PID" (Start a monitor):=0]\n["STOP_PID" (Stop a monitor) := 0]\n',
  );
  expect(run.stderr).toMatch(/err\n$/);
}, 180_000);

test("exec finds a command in root's directories, as root in the guest does, though the user's PATH lacks them", () => {
  const run = pmmWith({ PATH: '/usr/local/bin:/usr/bin:/bin' }, 'exec', '--', 'lsmod');
  expect([run.status, run.stdout]).toEqual([0, expect.stringMatching(/^pmm\s/m)]);
}, 180_000);

test('run: PMM_SUPPRESSIONS leaves a suppressed leak out of the verdict and counts it apart', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-supp-'));
  const file = path.join(dir, 'lsan.supp');
  fs.writeFileSync(file, '# known: the malloc of leak_three_blocks\nleak:leak_malloc\n');
  const json = pmmWith({ PMM_SUPPRESSIONS: file }, 'run', '--json', '--', fixture('leak_three_blocks'));
  const result = JSON.parse(json.stdout) as { summary: object; suppressed: { summary: object } };
  expect(result.summary).toEqual({ bytes: 500, blocks: 2 });
  expect(result.suppressed.summary).toEqual({ bytes: 100, blocks: 1 });
  const text = pmmWith({ PMM_SUPPRESSIONS: file }, 'run', '--', fixture('leak_three_blocks'));
  expect(text.stderr).toContain('pmm: 500 bytes in 2 blocks leaked, from 2 stacks');
  expect(text.stderr).toContain('pmm: suppressed: 100 bytes in 1 block');
  fs.rmSync(dir, { recursive: true });
}, 180_000);

test('run --json: mismatched frees/deletes through pmm.ko and pmd, both stacks symbolized, and exit status 1', () => {
  const hooklib = path.join(root, 'hooklib');
  execFileSync('make', ['-C', hooklib, 'test-programs'], { stdio: 'pipe' });
  const program = path.join(hooklib, '__tests__', 'programs', 'bin', 'mismatched_frees');
  const source = path.join(hooklib, '__tests__', 'programs', 'mismatched_frees.cc');
  const run = pmm('run', '--json', '--', program);
  // It exited 0 and leaked nothing: the status is for the mismatches.
  expect(run.status).toBe(1);
  const result = JSON.parse(run.stdout) as {
    summary: object;
    mismatchedFrees: number;
    mismatches: Array<{
      allocation: { kind: string; size: number; frames: JsonLeak['frames'] };
      release: { kind: string; frames: JsonLeak['frames'] };
      count: number;
    }>;
  };
  expect(result.summary).toEqual({ bytes: 0, blocks: 0 });
  expect(result.mismatchedFrees).toBe(7);
  const site = (frames: JsonLeak['frames']): string => frames.slice(0, 2).map((f) => `${f.function} ${f.file}:${f.line}`).join(' < ');
  expect(result.mismatches.map((m) => `${m.allocation.kind} ${m.allocation.size} by ${m.release.kind} x${m.count}`)).toEqual([
    'new[] 40 by delete x1',
    'new 8 by delete[] x1',
    'malloc 30 by delete x1',
    'new 4 by free x1',
    'new[] 18 by free x1',
    'calloc 14 by delete[] x1',
    'new[] 24 by realloc x1',
  ]);
  expect(site(result.mismatches[0].allocation.frames)).toBe(`array_by_delete ${source}:19 < main ${source}:83`);
  expect(site(result.mismatches[6].allocation.frames)).toBe(`new_by_realloc ${source}:63 < main ${source}:89`);
  // A release that reaches pmm.ko carries its own stack: where the delete or the realloc was called.
  expect(site(result.mismatches[0].release.frames)).toBe(`array_by_delete ${source}:21 < main ${source}:83`);
  expect(site(result.mismatches[6].release.frames)).toBe(`new_by_realloc ${source}:65 < main ${source}:89`);
}, 180_000);

test("run: a realloc's Prev Pointer names the block it resized, moved or in place, and releases it once", () => {
  execFileSync('make', ['-C', path.join(root, 'hooklib'), 'test-programs'], { stdio: 'pipe' });
  const run = pmm('run', '--', programBin(reallocPrevCase.program));
  const { printed, logged } = reallocPrevCase.prevPointers(run.stdout, run.stderr);
  expect(printed).toHaveLength(3);
  expect(logged).toEqual(printed);
  expect(run.stderr).toContain(reallocPrevCase.summary);
  expect(run.stderr).not.toContain('never seen allocated');
}, 180_000);

test('run and exec: the program in the VM reads pmm\'s stdin, every byte of it', () => {
  const input = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff));
  const sum = (data: Buffer): string => `${createHash('sha256').update(data).digest('hex')}  -\n`;
  for (const command of ['run', 'exec']) {
    const run = spawnSync(process.execPath, [cli, command, '--', '/usr/bin/sha256sum'], { cwd: root, encoding: 'utf8', timeout: 170_000, input });
    expect({ command, status: run.status, stdout: run.stdout }).toEqual({ command, status: 0, stdout: sum(input) });
  }
}, 360_000);

test('exec: a folder outside /tmp is read-only in the VM, and pmm says how to share it; with --share it is writable', () => {
  // Not under /tmp, which is shared writable, nor /var/tmp, which the guest has of its own.
  const dir = fs.mkdtempSync(path.join(os.homedir(), '.pmm-share-test-'));
  try {
    const file = path.join(dir, 'written-in-guest');
    const refused = pmm('exec', '--', '/bin/sh', '-c', `echo hi > ${file}`);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('Read-only file system');
    expect(refused.stderr).toContain('pmm: in the VM the host\'s files are read-only but for /tmp and the shared folders: --share DIR (or PMM_SHARES) makes DIR writable\n');
    expect(fs.existsSync(file)).toBe(false);
    const shared = spawnSync(process.execPath, [cli, 'exec', '--share', '.', '--', '/bin/sh', '-c', 'echo hi > written-in-guest'], { cwd: dir, encoding: 'utf8', timeout: 170_000 });
    expect({ status: shared.status, stderr: shared.stderr.replace(/^pmm: booting.*\n/, '') }).toEqual({ status: 0, stderr: '' });
    expect(fs.readFileSync(file, 'utf8')).toBe('hi\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 360_000);

test('exec: the program\'s output comes as it runs in the VM, not when it ends', async () => {
  const child = spawn(process.execPath, [cli, 'exec', '--', '/bin/sh', '-c', 'echo first; sleep 3; echo second'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let exited = false;
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => { exited = true; resolve(code); }));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const atFirst = await new Promise<{ stdout: string; exited: boolean }>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('first')) resolve({ stdout, exited });
    });
    void closed.then(() => reject(new Error(`pmm exec ended before any output: ${stderr}`)));
  });
  expect(atFirst).toEqual({ stdout: 'first\n', exited: false });
  expect(await closed).toBe(0);
  expect(stdout).toBe('first\nsecond\n');
}, 180_000);

test('exec: a reader slower than the program holds the program back, as without pmm, and then gets every byte', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-slow-reader-'));
  const done = path.join(dir, 'done');
  const bytes = 100 * 2 ** 20;
  // 100 MiB, then a mark that the program got to its end (the guest's /tmp is the host's).
  const child = spawn(process.execPath, [cli, 'exec', '--', '/bin/sh', '-c', `head -c ${bytes} /dev/zero; touch ${done}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Nothing read: pmm's stdout fills, pmm stops reading the guest, pmd waits to write, and the program waits
  // on its full pipe. Before, pmm read on and kept it all in memory (hundreds of MiB a few seconds after the
  // boot), and the program ended at once.
  child.stdout.pause();
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (/booting|guest VM/.test(stderr) || fs.existsSync(done)) {
        clearInterval(poll);
        resolve();
      }
    }, 100);
  });
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  let received = 0;
  try {
    expect(fs.existsSync(done)).toBe(false);
    child.stdout.on('data', (d: Buffer) => (received += d.length));
    child.stdout.resume();
    expect(await closed).toBe(0);
  } finally {
    // A failure must not leave pmm waiting on its unread stdout.
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  expect(received).toBe(bytes);
}, 180_000);

/** pmm run on a program that writes for ever, its stdout a pipe nobody reads; signal: sent once the pipe has had time to fill. */
async function runIntoStalledReader(args: string[], signal: NodeJS.Signals | null): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [cli, 'run', ...args, '--', '/usr/bin/yes'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.pause();
  try {
    if (signal !== null) {
      await waitUntil(() => /booting/.test(stderr), 120_000);
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      child.kill(signal);
    }
    return { status: await closed, stderr };
  } finally {
    // Before, pmm waited for ever for the reader: the test's own timeout failed it.
    child.kill('SIGKILL');
  }
}

test('run --timeout: a reader of stdout that takes nothing does not keep pmm from ending the run at its time, and pmm says what it did not pass on', async () => {
  const run = await runIntoStalledReader(['--timeout', '3'], null);
  expect(run.stderr).toContain('pmm: the program timed out and was killed\n');
  expect(run.stderr).toMatch(/^pmm: the reader of pmm's stdout took nothing for 10 s while the run was being ended \(its time was up\): up to \d+ bytes of the program's output were not passed on$/m);
  expect(run.status).toBe(124);
}, 180_000);

test('run: SIGINT passed on to the program while the reader of stdout takes nothing ends the run, and the report follows', async () => {
  const run = await runIntoStalledReader([], 'SIGINT');
  expect(run.stderr).toContain('pmm: the program was killed by SIGINT\n');
  expect(run.stderr).toMatch(/^pmm: the reader of pmm's stdout took nothing for 10 s while the run was being ended \(SIGINT was passed on to the program\): up to \d+ bytes/m);
  expect(run.status).toBe(130);
}, 180_000);

test.each([['--timeout', ['--timeout', '3'], null], ['SIGTERM', [], 'SIGTERM']] as const)('run (%s): a reader of stdout that is slow but reads gets every byte, though the run is being ended meanwhile', async (_name, args, signal) => {
  // seq ends within its time, its output held back by a reader that takes nothing for 8 s and then all (a
  // shell's, on a fifo: Node's reading side would take it all at once). The first version of the above
  // gave that reader up at the timeout, or at a signal passed on: it got 64 KiB.
  const script = 'trap "" TERM; sleep 1; seq 1 40000';
  const expected = Buffer.byteLength(execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-slow-reader-'));
  const fifo = path.join(dir, 'out');
  execFileSync('mkfifo', [fifo]);
  const reader = spawn('/bin/sh', ['-c', 'exec 3<"$0"; sleep 8; wc -c <&3', fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
  let count = '';
  reader.stdout.on('data', (d: Buffer) => (count += d.toString()));
  const read = new Promise((resolve) => reader.on('close', resolve));
  const out = fs.openSync(fifo, 'w');
  const child = spawn(process.execPath, [cli, 'run', '-q', ...args, '--', '/bin/sh', '-c', script], { cwd: root, stdio: ['ignore', out, 'pipe'] });
  fs.closeSync(out);
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    if (signal !== null) {
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      child.kill(signal);
    }
    await closed;
    await read;
    expect(Number(count)).toBe(expected);
    expect(stderr).not.toContain('took nothing');
  } finally {
    child.kill('SIGKILL');
    reader.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);

test('run: a stdin open only for writing (0>/dev/null) gives the program /dev/null, as a closed one does', () => {
  // pmm failed reading it, after the program ran, saying the program had read the end of its input there.
  const writeOnly = fs.openSync('/dev/null', 'w');
  try {
    const run = spawnSync(process.execPath, [cli, 'run', '-q', '--', '/bin/cat'], { cwd: root, encoding: 'utf8', timeout: 170_000, stdio: [writeOnly, 'pipe', 'pipe'] });
    expect([run.status, run.stdout, run.stderr]).toEqual([0, '', '']);
  } finally {
    fs.closeSync(writeOnly);
  }
}, 180_000);

test('run: a reader of stdout that goes away (| head) gives the program in the VM its SIGPIPE, as without pmm, and the report follows', () => {
  // yes never ends by itself: without the signal, pmm would wait forever.
  const run = pmmIntoHead(cli, root, ['run', '--', '/usr/bin/yes'], 170_000);
  expect(run.stderr).toContain('pmm: the program was killed by SIGPIPE\n');
  expect(run.stderr).toMatch(/^pmm: (no leaks|\d+ bytes? in \d+ blocks? leaked)/m);
  expect(run.stderr).not.toContain('EPIPE');
  expect(run.status).toBe(128 + 13);
}, 180_000);

test('run: a program in the VM that ignores SIGPIPE gets EPIPE when the reader goes away, and ends as it chooses, as without pmm', () => {
  // It wrote on into a pipe pmd still read, until the time limit (Python ignores SIGPIPE by default).
  const run = pmmIntoHead(cli, root, ['run', '--timeout', '30', '--', '/bin/sh', '-c', 'trap "" PIPE; yes'], 170_000);
  expect(run.stderr).toContain('yes: standard output: Broken pipe\n');
  expect(run.stderr).toContain('pmm: the program exited with status 1\n');
  expect(run.status).toBe(1);
}, 180_000);

test('run: only the process that wrote gets SIGPIPE, not its parent, as without pmm', () => {
  // SIGPIPE went to the whole process group: the shell died of it too, its last line and status lost.
  const run = pmmIntoHead(cli, root, ['run', '--timeout', '30', '--', '/bin/sh', '-c', 'yes; echo "the shell goes on after yes ended with $?" >&2; exit 7'], 170_000);
  expect(run.stderr).toContain('the shell goes on after yes ended with 141\n');
  expect(run.status).toBe(7);
}, 180_000);

test.each([['run', 'head -c 10 >/dev/null'], ['exec', 'head -c 10 >/dev/null'], ['run', 'true']])('%s: a program writing only to stderr, given with stdout to a reader that goes away (2>&1 | %s), gets its SIGPIPE too', (command, reader) => {
  // It ran for ever: pmm gave SIGPIPE only for stdout, to which nothing was written; and with a reader
  // gone before the program started (pmm's boot notice met it), to none.
  const run = pmmIntoHead(cli, root, [command, '--', '/bin/sh', '-c', 'while :; do echo err >&2; done'], 170_000, true, reader);
  expect(run.status).toBe(128 + 13);
}, 180_000);

test.each([['SIGTERM', 143], ['SIGQUIT', 131], ['SIGUSR1', 138]] as const)('run: %s sent to pmm reaches the program in the VM, and the report of what it leaked follows, as under valgrind', async (signal, status) => {
  const run = await pmmSignalled(cli, root, ['run', '--', fixture('hang_forever')], signal, { stream: 'stdout', text: 'hang_forever: waiting\n' });
  expect(run.stderr).toContain(`pmm: ${signal}: passed on to the program; its report follows when it has ended\n`);
  expect(run.stderr).toContain(`pmm: the program was killed by ${signal}\n`);
  expect(run.stderr).toContain('pmm: 16 bytes in 1 block leaked, from 1 stack\n');
  expect([run.status, run.signal]).toEqual([status, null]);
}, 170_000);

test('run: SIGTERM once the program in the VM has ended, while what it left is collected, stops pmm before the report', async () => {
  // 800,000 blocks take many seconds to collect under TCG (the signal comes 1.5 s after the program's last
  // line, when it has exited and the collection goes on): the signal used to be "passed on" to a program
  // that was gone, and the whole report followed, status 1.
  const run = await pmmSignalled(cli, root, ['run', '--', programBin('many_leaks'), '800000'], 'SIGTERM', { stream: 'stdout', text: 'many_leaks: done\n', afterMs: 1500 });
  expect(run.stderr).toContain('pmm: SIGTERM: stopped before the report\n');
  expect(run.stderr).not.toContain('passed on');
  expect(run.stderr).not.toContain('leaked');
  expect([run.status, run.signal]).toEqual([null, 'SIGTERM']);
}, 170_000);

test('run: SIGTERM that ends the program in the VM before its hook started: nothing was recorded, and the program is no unhookable one', async () => {
  const run = await pmmSignalled(cli, root, ['run', '--', programBin('slow_start')], 'SIGTERM', { stream: 'stdout', text: 'slow_start: before the hook\n' });
  expect(run.stderr).toContain('pmm: the program was killed by SIGTERM\npmm: nothing was recorded: SIGTERM ended it before the hook started\n');
  expect(run.stderr).not.toContain('set-user-ID');
  expect([run.status, run.signal]).toEqual([143, null]);
}, 170_000);

test('run: SIGTERM before the program runs (the VM still booting) ends pmm, and its VM, as the signal would; --junit\'s report says so', async () => {
  // Its own TMPDIR: the VM's sockets' folder must not be left there (the console log is kept).
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-cli-boot-signal-'));
  const report = path.join(tmp, 'report.xml');
  const run = await pmmSignalled(cli, root, ['run', '--junit', report, '--', fixture('hang_forever')], 'SIGTERM', { stream: 'stderr', text: 'pmm: booting the guest VM', child: true }, { ...process.env, TMPDIR: tmp });
  const left = fs.readdirSync(tmp).filter((name) => name !== 'report.xml');
  const xml = fs.readFileSync(report, 'utf8');
  fs.rmSync(tmp, { recursive: true, force: true });
  expect(junitSchemaErrors(xml)).toBeNull();
  expect(xml).toContain('<error message="pmm: SIGTERM ended pmm before the program started, so the run has no result" type="PmmError">');
  expect(left).toEqual(['pmm-logs']);
  expect([run.status, run.signal]).toEqual([null, 'SIGTERM']);
  expect(run.stdout).toBe('');
  // QEMU, pmm's child, went with it (it ran on, booted, when pmm died before setpriv set its parent-death
  // signal). Given a moment to die of its SIGKILL.
  expect(run.children.length).toBeGreaterThan(0);
  const alive = (pid: number): boolean => processState(pid) !== null && processState(pid) !== 'Z';
  await waitUntil(() => !run.children.some(alive), 2000);
  expect(run.children.filter(alive)).toEqual([]);
}, 170_000);

test("run: Ctrl-C on a terminal reaches the program in the VM once, through pmm, and does not end the VM under it", async () => {
  const run = await pmmOnTerminal(cli, root, ['run', '--', fixture('sigint_sources')], 'sigint_sources: waiting\n', '\x03');
  expect(run.output).toContain('pmm: SIGINT: passed on to the program; its report follows when it has ended\n');
  expect(run.output).toContain('sigint_sources: 0 from the terminal, 1 from a process\n');
  expect(run.output).toContain('pmm: no leaks: every allocation was freed\n');
}, 170_000);

test('run: a pipe is passed on as it comes: the program in the VM answers a line before the next is written', async () => {
  const child = spawn(process.execPath, [cli, 'run', '--', '/bin/cat'], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const echoed = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('early\n')) resolve();
  }));
  const status = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.write('early\n');
  await echoed;
  child.stdin.end('late\n');
  expect(await status).toBe(0);
  expect(stdout).toBe('early\nlate\n');
  expect(stderr).toContain('pmm: no leaks: every allocation was freed\n');
}, 170_000);

test('run: an endless pipe to a program that reads two lines of it; a file over 32 MiB, every byte', () => {
  const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;
  const yes = spawnSync('/bin/sh', ['-c', `yes | ${quote(process.execPath)} ${quote(cli)} run -- /usr/bin/head -n 2`], { cwd: root, encoding: 'utf8', timeout: 170_000 });
  expect({ status: yes.status, stdout: yes.stdout }).toEqual({ status: 0, stdout: 'y\ny\n' });
  // Past what a file is given whole: passed on as it is read, as a pipe is.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-big-stdin-'));
  try {
    const file = path.join(dir, 'input');
    const data = Buffer.alloc(33 * 1024 * 1024 + 7);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, Math.min(i, data.length - 4));
    fs.writeFileSync(file, data);
    const fd = fs.openSync(file, 'r');
    try {
      const run = spawnSync(process.execPath, [cli, 'run', '--', '/usr/bin/sha256sum'], { cwd: root, encoding: 'utf8', timeout: 170_000, stdio: [fd, 'pipe', 'pipe'] });
      expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 0, stdout: `${createHash('sha256').update(data).digest('hex')}  -\n` });
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 360_000);

test('run: a terminal is passed on while pmm is in its foreground: each line as it is typed, Ctrl-D its end', async () => {
  const session = terminalSession(cli, root, ['run', '--', '/bin/cat']);
  await session.waitFor('pmm: booting');
  // The terminal echoes the line, then cat, in the VM, writes it back.
  session.type('hello\r');
  await session.waitFor('hello\nhello\n');
  session.type('\x04');
  expect(await session.closed).toBe(0);
  expect(session.output()).toContain('pmm: no leaks: every allocation was freed\n');
}, 170_000);

test('run: Ctrl-Z on a terminal stops the VM with pmm, and SIGCONT (fg) starts both again', async () => {
  const session = terminalSession(cli, root, ['run', '--', fixture('sigint_sources')]);
  await session.waitFor('sigint_sources: waiting\n');
  const tree = processTree(session.pid);
  const [pmmPid] = pmmProcessesBelow(session.pid, cli);
  const qemu = tree.filter((pid) => processCommand(pid).includes('qemu-system'));
  expect(qemu.length).toBe(1);
  let ended = false;
  try {
    session.type('\x1a');
    // script imitates job control: once its child has stopped, it stops itself (and continues the child
    // when it is continued). Wait for that too, or its late stop would leave the terminal unserved.
    const stopped = (): boolean => [pmmPid, qemu[0], session.pid].every((pid) => processState(pid) === 'T');
    // Before, the VM ran on (QEMU in a session of its own, away from the terminal's SIGTSTP).
    expect(await waitUntil(stopped, 20_000)).toBe(true);
    // fg: the shell continues pmm's process group, pmm alone here.
    process.kill(pmmPid, 'SIGCONT');
    expect(await waitUntil(() => processState(qemu[0]) !== 'T', 20_000)).toBe(true);
    // The run goes on once the terminal is served again: Ctrl-C reaches the program, and its report follows.
    process.kill(session.pid, 'SIGCONT');
    session.type('\x03');
    await session.closed;
    ended = true;
  } finally {
    // A failure above leaves pmm stopped: end it, and what it started, rather than wait for them.
    if (!ended) for (const pid of tree) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  expect(session.output()).toContain('sigint_sources: 0 from the terminal, 1 from a process\n');
  expect(session.output()).toContain('pmm: no leaks: every allocation was freed\n');
}, 170_000);
