// The pmm command's answers to bad input (each a clear message, a distinct status, and no VM booted), what
// it says of a run on the host, and the stdin it passes on.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { programBin, reallocPrevCase } from '../../hooklib/__tests__/cases';
import { junitSchemaErrors } from '../../reporters/__tests__/validateJunit';
import { pmmIntoHead } from './intoHead';
import { pmmOnTerminal, pmmProcessesBelow, pmmSignalled, processState, processTree, terminalSession, waitUntil } from './signalled';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli', 'pmm.js');

// The hook, its launcher and its test programs, which several tests run, built once for the file.
beforeAll(() => {
  execFileSync('make', ['-C', path.join(root, 'hooklib'), 'all', 'test-programs'], { stdio: 'pipe' });
}, 120_000);

function pmm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test("run --host: a realloc's Prev Pointer names the block it resized, moved or in place, and releases it once", () => {
  const run = pmm('run', '--host', '--', programBin(reallocPrevCase.program));
  const { printed, logged } = reallocPrevCase.prevPointers(run.stdout, run.stderr);
  expect(printed).toHaveLength(3);
  expect(logged).toEqual(printed);
  expect(run.stderr).toContain(reallocPrevCase.summary);
  expect(run.stderr).not.toContain('never seen allocated');
});

// A missing one was said as the Jest option's: option "shares[0]" must be an existing folder.
test.each([
  ['a b', 'pmm: --share "/tmp/a b" must not hold spaces, commas or colons\n'],
  ['nonexistent-pmm-share', 'pmm: --share "/tmp/nonexistent-pmm-share" must be an existing folder\n'],
  ['/etc/hostname', 'pmm: --share "/etc/hostname" must be an existing folder\n'],
])('--share %s, a folder that cannot be shared, is named as given, before any VM boots', (dir, stderr) => {
  const run = spawnSync(process.execPath, [cli, 'run', '--share', dir, '--', '/bin/true'], { cwd: '/tmp', encoding: 'utf8', timeout: 30_000 });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 3, stderr });
});

// The hook read a value it does not take as its default, without a word: PMM_STACK_DEPTH=20 as 16.
test.each([['--host'], []])('a hook setting the hook does not take is refused before the run (%s)', (...mode) => {
  const run = spawnSync(process.execPath, [cli, 'run', ...mode, '--', '/bin/true'], { env: { ...process.env, PMM_STACK_DEPTH: '20' }, encoding: 'utf8', timeout: 60_000 });
  expect({ status: run.status, stderr: run.stderr.replace(/^pmm: booting .*\n/, '') }).toEqual({
    status: 3,
    stderr: 'pmm: PMM_STACK_DEPTH="20" in the program\'s environment: the hook takes a number of frames from 0 to 16\n',
  });
});

// A program pmm cannot start exits 127 (not there) or 126 (there, but not to be run), as a shell, env(1) and
// valgrind say it; pmm's own failures keep 3.
test('a program that does not exist exits 127', () => {
  const run = pmm('run', '--', '/nonexistent/program');
  expect(run.stderr).toBe('pmm: program does not exist: /nonexistent/program\n');
  expect(run.status).toBe(127);
});

test('a program that is not executable exits 126', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-cli-'));
  const file = path.join(dir, 'data.txt');
  fs.writeFileSync(file, 'not a program\n', { mode: 0o644 });
  const run = pmm('run', '--', file);
  expect(run.stderr).toBe(`pmm: program is not executable: ${file}\n`);
  expect(run.status).toBe(126);
  fs.rmSync(dir, { recursive: true });
});

test('run in the VM with a TMPDIR that does not exist: where, and what to do, before any VM starts (it was the bare ENOENT of mkdtemp)', () => {
  const run = spawnSync(process.execPath, [cli, 'run', '--', '/bin/true'], { cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, TMPDIR: '/nonexistent/pmm-tmp' } });
  expect(run.stderr).toBe(
    'pmm: the VM did not boot to run /bin/true: the VM keeps its files under /nonexistent/pmm-tmp (TMPDIR), where it cannot make a folder: it does not exist; point TMPDIR at a writable folder\n',
  );
  expect(run.status).toBe(3);
  expect(fs.existsSync('/nonexistent/pmm-tmp')).toBe(false);
});

test('a TMPDIR that is a file: --version answers, and a run says where and what to do (every command ended with Node\'s ENOTDIR stack, status 1)', () => {
  const file = path.join(root, 'package.json');
  const env = { ...process.env, TMPDIR: file };
  const version = spawnSync(process.execPath, [cli, '--version'], { cwd: root, encoding: 'utf8', timeout: 30_000, env });
  expect([version.status, version.stderr]).toEqual([0, '']);
  const run = spawnSync(process.execPath, [cli, 'run', '--', '/bin/true'], { cwd: root, encoding: 'utf8', timeout: 30_000, env });
  expect(run.stderr).toMatch(new RegExp(`^pmm: .*under ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(TMPDIR\\), where it cannot make a folder: .*; point TMPDIR at a writable folder\n$`));
  expect(run.status).toBe(3);
});

test("run in the VM where another user made the console logs' folder first: refused before any VM starts, and no file its links lead to is written", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-planted-'));
  try {
    const victim = path.join(tmp, 'victim');
    fs.writeFileSync(victim, 'kept\n');
    // The folder's name is root's, or the user's: pmm-logs-UID.
    const uid = process.getuid?.() ?? 0;
    const logs = path.join(tmp, uid === 0 ? 'pmm-logs' : `pmm-logs-${uid}`);
    fs.mkdirSync(logs, { mode: 0o777 });
    fs.chmodSync(logs, 0o777);
    // Another user's, where the test may give it away (as root); else one anyone may write in.
    if (uid === 0) fs.chownSync(logs, 65534, 65534);
    const why = uid === 0 ? 'it belongs to another user (uid 65534)' : 'anyone may write in it';
    // The log's name has pmm's pid: a link for each it could have (up to 65536 of them).
    const pidMax = Math.min(Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8')), 65_536);
    for (let pid = 2; pid <= pidMax; pid += 1) fs.symlinkSync(victim, path.join(logs, `console-${pid}-1.log`));
    const run = spawnSync(process.execPath, [cli, 'exec', '--', '/bin/true'], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TMPDIR: tmp } });
    expect([run.status, run.stderr]).toEqual([
      3,
      `pmm: the VM did not boot to run /bin/true: the VM keeps its files under ${tmp} (TMPDIR), where it cannot use its console logs' folder: ${logs}: not this user's own folder: ${why}; point TMPDIR at a writable folder\n`,
    ]);
    expect(fs.readFileSync(victim, 'utf8')).toBe('kept\n');
    // Nor is the VM's run folder left behind.
    expect(fs.readdirSync(tmp).sort()).toEqual([path.basename(logs), 'victim'].sort());
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('an argument, or the current directory, that is not UTF-8 text is refused, naming it: Node would have passed on other bytes, or found no program', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-bytes-'));
  try {
    const bash = (script: string) => spawnSync('bash', ['-c', script, 'bash', process.execPath, cli, programBin('leak_three')], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    const arg = bash('exec "$1" "$2" run --host -- "$3" "$(printf "a\\376")"');
    expect([arg.status, arg.stderr]).toEqual([3, 'pmm: the command line\'s argument 5 ("a\uFFFD") is not UTF-8 text: pmm receives its arguments as text and cannot pass it on as it is\n']);
    const cwd = bash('mkdir "$(printf "bad\\377")" && cd "$(printf "bad\\377")" && exec "$1" "$2" run --host -- "$3"');
    expect([cwd.status, cwd.stderr]).toEqual([
      3,
      `pmm: the current directory, where the program would run, has a path that is not UTF-8 text (${JSON.stringify(`${dir}/bad\uFFFD`)}), which pmm cannot pass on: run it from another\n`,
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('run --host under a preloaded library that fakes getpid (for pmm and the program): the hook and pmm go by the kernel\'s pids', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-fakepid-'));
  try {
    fs.writeFileSync(path.join(dir, 'fakepid.c'), '#include <sys/types.h>\npid_t getpid(void) { return 4242; }\n');
    execFileSync('gcc', ['-shared', '-fPIC', '-o', path.join(dir, 'libfakepid.so'), path.join(dir, 'fakepid.c')]);
    const run = spawnSync(process.execPath, [cli, 'run', '--host', '--', path.join(root, 'fixtures', 'bin', 'leak_three_blocks')], { cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, LD_PRELOAD: path.join(dir, 'libfakepid.so') } });
    expect([run.status, run.stderr]).toEqual([1, expect.stringContaining('pmm: 600 bytes in 3 blocks leaked, from 3 stacks\n')]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('run --host with PMM_HOOKS_ACTIVE=0 and a program that never turns recording on: no "every allocation was freed", and what was not checked is said', () => {
  const run = spawnSync(process.execPath, [cli, 'run', '--host', '--', path.join(root, 'fixtures', 'bin', 'leak_three_blocks')], { cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, PMM_HOOKS_ACTIVE: '0' } });
  expect(run.status).toBe(0);
  expect(run.stderr).not.toContain('every allocation was freed');
  expect(run.stderr).toContain('pmm: no leaks among the allocations recorded (recording started off: PMM_HOOKS_ACTIVE=0)\n');
  expect(run.stderr).toContain('pmm: recording started off (PMM_HOOKS_ACTIVE=0): what the program allocated before it turned it on');
});

test('run --host of a program ended by its time limit or a signal holding no block: no leaks up to then, not that every allocation was freed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-ended-'));
  try {
    fs.writeFileSync(path.join(dir, 'idle.c'), '#include <signal.h>\n#include <stdlib.h>\n#include <unistd.h>\nint main(int c, char **v) { free(malloc(8)); if (c > 1) raise(SIGABRT); pause(); return 0; }\n');
    execFileSync('gcc', ['-o', path.join(dir, 'idle'), path.join(dir, 'idle.c')]);
    const timedOut = pmm('run', '--host', '--timeout', '1', '--', path.join(dir, 'idle'));
    expect([timedOut.status, timedOut.stderr]).toEqual([124, 'pmm: the program timed out and was killed\npmm: no leaks up to then (it timed out): every allocation it had made was freed\n']);
    const aborted = pmm('run', '--host', '--', path.join(dir, 'idle'), 'abort');
    expect(aborted.stderr).toContain('pmm: no leaks up to then (SIGABRT ended it): every allocation it had made was freed\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('run --host with a TMPDIR that does not exist: where, and what to do (it was the bare ENOENT of mkdtemp)', () => {
  const run = spawnSync(process.execPath, [cli, 'run', '--host', '--', '/bin/true'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, TMPDIR: '/nonexistent/pmm-tmp' },
  });
  expect(run.stderr).toBe(
    'pmm: host mode writes its records under /nonexistent/pmm-tmp (TMPDIR), where it cannot make a folder: it does not exist; point TMPDIR at a writable folder\n',
  );
  expect(run.status).toBe(3);
});

test('run --host with a relative TMPDIR: its records are made there all the same (the hook, given a relative record folder, was said never to have started)', () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-reltmp-'));
  try {
    fs.mkdirSync(path.join(cwd, 'tmp'));
    const run = spawnSync(process.execPath, [cli, 'run', '--host', '--', programBin('leak_three')], { cwd, encoding: 'utf8', timeout: 30_000, env: { ...process.env, TMPDIR: 'tmp' } });
    expect([run.status, run.stderr]).toEqual([7, expect.stringMatching(/^pmm: \d+ bytes in 3 blocks leaked, from \d+ stacks?$/m)]);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

test('run and run --host from a directory removed since: exit 3, in pmm\'s words (it was uv_cwd\'s ENOENT; with --junit it still was)', () => {
  const report = path.join(os.tmpdir(), `pmm-gone-${process.pid}.xml`);
  for (const mode of [['--host'], [], ['--host', '--junit', 'report.xml'], ['--host', '--junit', report], ['--log-file', 'log.txt']]) {
    const gone = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-gone-'));
    // The shell enters it and removes it, then pmm starts there, as in a terminal whose folder was deleted.
    const run = spawnSync('/bin/sh', ['-c', 'cd "$1" && rmdir "$1" && shift && exec "$@"', 'sh', gone, process.execPath, cli, 'run', ...mode, '--', '/bin/true'], { encoding: 'utf8', timeout: 30_000 });
    expect([mode, run.status, run.stderr]).toEqual([mode, 3, expect.stringMatching(/^pmm: the current directory, where the program would run, no longer exists \(it was removed: .*\)\n$/)]);
  }
  // Refused before any file is made: no empty report is left behind.
  expect(fs.existsSync(report)).toBe(false);
});

test('a folder is not a program: 126', () => {
  const run = pmm('exec', '--', '/tmp');
  expect(run.stderr).toBe('pmm: program is not a file: /tmp\n');
  expect(run.status).toBe(126);
});

test('a name not on PATH: 127', () => {
  const run = pmm('exec', '--', 'no-such-command-pmm');
  expect(run.stderr).toBe('pmm: program not found on PATH: no-such-command-pmm\n');
  expect(run.status).toBe(127);
});

test('usage errors say the mistake and where the options are, and exit 2', () => {
  const run = pmm('run', '--timeout', 'soon', '--', '/bin/true');
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/^pmm: --timeout wants a number of seconds[^\n]*\npmm: see pmm --help for the options\n$/);
});

test('--help', () => {
  const run = pmm('--help');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('pmm run [--json]');
  expect(run.stdout).toContain('pmm junit-merge OUT.xml IN.xml');
  // A command's --help is the same usage, not an unknown option; junit-merge has its own.
  expect(pmm('run', '--host', '--help').stdout).toBe(run.stdout);
  const merge = pmm('junit-merge', '--help');
  expect(merge.status).toBe(0);
  expect(merge.stdout).toBe('usage: pmm junit-merge OUT.xml IN.xml [IN.xml...]\n');
});

test('--version is the package\'s', () => {
  const run = pmm('--version');
  expect(run.status).toBe(0);
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  expect(run.stdout).toBe(`pmm ${version}\n`);
});

test('run --host: a forked child that exec()ed a program the hook cannot enter is said, with its pid', () => {
  const program = programBin('exec_unhooked');
  const image = programBin('exec_unhooked_static');
  const run = pmm('run', '--host', '--', program, 'child', image);
  // The program's own leak is the status; the child's unseen allocations are said, not guessed at, under
  // the image it ran, and why the hook could not enter it.
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(
    new RegExp(`^pmm: ${program}: forked child \\d+ \\(${image}\\) exec\\(\\)ed a program the hook cannot enter: it is statically linked: there is no dynamic loader to preload the hook \\(LD_PRELOAD\\) into it; what it allocated after that exec was not seen$`, 'm'),
  );
}, 60_000);

test('run --host: a forked child\'s leaks are printed with their stacks, under its pid and the file it ran', () => {
  const leaker = programBin('leak_three');
  // dash forks for leak_three (a command that is not the script's last), and leak_three leaks 600 bytes.
  const run = pmm('run', '--host', '--', '/bin/sh', '-c', `${leaker}; exit 0`);
  expect(run.status).toBe(1);
  const name = `forked child \\d+ \\(${leaker}\\)`;
  const report = run.stderr.slice(run.stderr.search(new RegExp(`^600 bytes in 3 blocks leaked by ${name}$`, 'm')));
  expect(report).toMatch(new RegExp(`^600 bytes in 3 blocks leaked by ${name}\n  300 bytes in 1 block \\(realloc\\)\n    by leak_realloc `));
  for (const fn of ['leak_malloc', 'leak_calloc']) expect(report).toMatch(new RegExp(`^    by ${fn} \\(.*leak_three\\.c:\\d+\\)$`, 'm'));
  // The summary line says it; "--json lists them" only for children whose stacks were not printed.
  expect(run.stderr).toMatch(new RegExp(`^pmm: ${name}: 600 bytes in 3 blocks leaked$`, 'm'));
}, 60_000);

describe('run --host: the program reads pmm\'s stdin itself, as it is, as under valgrind', () => {
  const run = (stdin: 'ignore' | number | null, input: string | Buffer | undefined, ...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, 'run', '--host', '--', ...args], {
      cwd: root, encoding: 'utf8', timeout: 30_000, maxBuffer: 64 << 20, ...(input !== undefined ? { input } : { stdio: [stdin ?? 'pipe', 'pipe', 'pipe'] }),
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test('a pipe, read to its end', () => {
    expect(run(null, 'one\ntwo\n', '/bin/cat')).toMatchObject({ status: 0, stdout: 'one\ntwo\n' });
  });

  test('a file (< file)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-cli-'));
    const file = path.join(dir, 'input');
    fs.writeFileSync(file, 'x'.repeat(100_000));
    const fd = fs.openSync(file, 'r');
    try {
      expect(run(fd, undefined, '/usr/bin/wc', '-c')).toMatchObject({ status: 0, stdout: '100000\n' });
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true });
    }
  });

  test('none (/dev/null), and the program reads /dev/null', () => {
    expect(run('ignore', undefined, '/usr/bin/readlink', '/proc/self/fd/0')).toMatchObject({ status: 0, stdout: '/dev/null\n' });
  });

  test('more than the VM\'s 32 MiB, passed on whole (it was refused)', () => {
    expect(run(null, Buffer.alloc(40 * 1024 * 1024), '/usr/bin/wc', '-c')).toMatchObject({ status: 0, stdout: `${40 * 1024 * 1024}\n` });
  });

  test('a pipe left open: the program reads each line as it comes (pmm waited for its end, and `yes |` was refused)', async () => {
    const child = spawn(process.execPath, [cli, 'run', '--host', '--', '/bin/cat'], { cwd: root });
    let stdout = '';
    const echoed = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout === 'early\n') resolve();
    }));
    child.stdin.write('early\n');
    await echoed;
    child.stdin.end('late\n');
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ status, stdout }).toEqual({ status: 0, stdout: 'early\nlate\n' });
  }, 30_000);

  test('a terminal: an interactive program reads what is typed (it got /dev/null)', async () => {
    const script = 'echo ready; read line; echo "got: $line"';
    const r = await pmmOnTerminal(cli, root, ['run', '--host', '--', '/bin/sh', '-c', script], 'ready\n', 'typed here\n');
    expect(r.output).toContain('got: typed here\n');
    // (pmm's own status is 1: the shell leaks.)
    expect(r.output).toContain('pmm: the program exited with status 0\n');
  }, 30_000);
});

describe('run in the VM: the program gets pmm\'s stdin, passed on as it reads it (VM tests: pmm.vm.test.ts)', () => {
  test('a directory is refused, saying why, before any VM boots (it was passed on as empty input)', () => {
    const dir = fs.openSync('/', 'r');
    try {
      const r = spawnSync(process.execPath, [cli, 'run', '--', '/bin/cat'], { cwd: root, encoding: 'utf8', timeout: 30_000, stdio: [dir, 'pipe', 'pipe'] });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 3, stderr: 'pmm: standard input is a directory, which pmm cannot pass on to the program in the VM (--host gives it as it is)\n' });
    } finally {
      fs.closeSync(dir);
    }
  });

  test('a missing program is said at once, without waiting for stdin to end', async () => {
    const child = spawn(process.execPath, [cli, 'run', '--', '/nonexistent/program'], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ status, stderr }).toEqual({ status: 127, stderr: 'pmm: program does not exist: /nonexistent/program\n' });
  });
});

describe('suppressions: --gen-suppressions writes them, --suppressions reads them', () => {
  const fixture = path.join(root, 'fixtures', 'bin', 'leak_three_blocks');
  let dir: string;

  beforeAll(() => {
    execFileSync('make', ['-C', path.join(root, 'fixtures')], { stdio: 'pipe' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-cli-supp-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The blocks between a line "{" and a line "}", as a user would cut them out of the report. */
  const generated = (stderr: string): string => (stderr.match(/^\{\n[\s\S]*?^\}$/gm) ?? []).join('\n');
  /** Suppressions saved as a file of dir's, named name. */
  const saved = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `${text}\n`);
    return file;
  };
  /** What valgrind says of program (its stderr), and the suppressions it writes for each leak. */
  const valgrindsOwn = (program: string): { stderr: string; text: string } => {
    const { stderr } = spawnSync('valgrind', ['--leak-check=full', '--show-leak-kinds=all', '--gen-suppressions=all', program], { encoding: 'utf8' });
    return { stderr, text: generated(stderr) };
  };
  /** What valgrind says (its stderr) of program run with the suppression file, and more of its options. */
  const valgrindWith = (file: string, program: string, args: string[] = [], options: string[] = []): string =>
    spawnSync('valgrind', ['--leak-check=full', ...options, `--suppressions=${file}`, program, ...args], { encoding: 'utf8' }).stderr;
  /**
   * Each tool's suppressions of program given to the other (saved as valgrind-NAME.supp and pmm-NAME.supp):
   * what valgrind says of program and writes, pmm's run with that; pmm's run and what it writes, valgrind's with that.
   */
  const bothWays = (program: string, name: string) => {
    const { stderr: theirs, text: theirText } = valgrindsOwn(program);
    const byTheirs = pmm('run', '--host', '--suppressions', saved(`valgrind-${name}.supp`, theirText), '--', program);
    const ours = pmm('run', '--host', '--gen-suppressions', '--', program);
    const ourText = generated(ours.stderr);
    const byOurs = valgrindWith(saved(`pmm-${name}.supp`, ourText), program, [], ['--show-leak-kinds=all']);
    return { theirs, theirText, byTheirs, ours, ourText, byOurs };
  };

  test('each leak once, in valgrind\'s format, which pmm and valgrind both take back to suppress all three', () => {
    const run = pmm('run', '--host', '--gen-suppressions', '--', fixture);
    expect(run.status).toBe(1);
    const text = generated(run.stderr);
    expect(text).toContain('{\n   <pmm: 100 bytes in 1 block leaked at leak_malloc>\n   Memcheck:Leak\n   fun:malloc\n   fun:leak_malloc\n   fun:main\n}');
    expect(text.match(/^\{$/gm)).toHaveLength(3);
    const file = saved('generated.supp', text);

    const again = pmm('run', '--host', '--suppressions', file, '--', fixture);
    expect(again.stderr).toContain('pmm: no leaks but suppressed ones\npmm: suppressed: 600 bytes in 3 blocks\n');
    // Nor are the suppressed blocks in the article's log of unmatched allocations.
    expect(again.stderr).not.toMatch(/^\{(MALLOC|CALLOC|REALLOC) @/m);
    expect(again.status).toBe(0);

    const valgrind = valgrindWith(file, fixture);
    expect(valgrind).toMatch(/in use at exit: 600 bytes in 3 blocks/);
    expect(valgrind).toMatch(/suppressed: 600 bytes in 3 blocks/);
  });

  // valgrind names each aligned allocator at the top of its stack (3.19: posix_memalign over memalign, the
  // others as memalign); pmm wrote fun:malloc for them all, which valgrind did not take.
  test('the aligned allocators\' leaks start where valgrind\'s stacks do: valgrind takes them back and suppresses all', () => {
    const program = programBin('libc_callers');
    // Its argument leaves pvalloc out, at which valgrind 3.19 aborts the program.
    const text = generated(pmm('run', '--host', '--gen-suppressions', '--', program, 'no-pvalloc').stderr);
    expect(text).toContain('   fun:memalign\n   fun:posix_memalign\n   fun:leak_posix_memalign\n   fun:main\n');
    expect(text).toContain('   fun:*align*\n   fun:leak_aligned_alloc\n');
    expect(text).toContain('   fun:memalign\n   fun:leak_memalign\n');
    expect(text).toContain('   fun:*al*\n   fun:leak_valloc\n');
    const file = saved('aligned.supp', text);
    const again = pmm('run', '--host', '--suppressions', file, '--', program, 'no-pvalloc');
    expect(again.stderr).toContain('pmm: no leaks but suppressed ones\npmm: suppressed: 1901 bytes in 6 blocks\n');
    const valgrind = valgrindWith(file, program, ['no-pvalloc']);
    expect(valgrind).toMatch(/in use at exit: 1,901 bytes in 6 blocks/);
    expect(valgrind).toMatch(/suppressed: 1,901 bytes in 6 blocks/);
  });

  // valgrind's realloc hands realloc(NULL, n) to its malloc, and its stack starts there: so does pmm's suppression.
  test('realloc(NULL, n)\'s leak starts at malloc, as valgrind\'s does: valgrind takes it back and suppresses it', () => {
    const program = programBin('edge_cases');
    const text = generated(pmm('run', '--host', '--gen-suppressions', '--', program).stderr);
    expect(text).toContain('   fun:malloc\n   fun:leak_realloc_null\n   fun:main\n');
    const file = saved('realloc.supp', text);
    expect(pmm('run', '--host', '--suppressions', file, '--', program).stderr).toContain('pmm: no leaks but suppressed ones\npmm: suppressed: 64 bytes in 2 blocks\n');
    // The block is still reachable (a global points at it): valgrind applies suppressions to the kinds it shows.
    const valgrind = valgrindWith(file, program, [], ['--show-leak-kinds=all']);
    expect(valgrind).toMatch(/in use at exit: 64 bytes in 2 blocks/);
    expect(valgrind).toMatch(/suppressed: 64 bytes in 2 blocks/);
  });

  // Without symbols main has no name: valgrind ends a stack at the C library's frame that calls it, "(below
  // main)". pmm's stacks went on to _start, and neither tool took the other's suppressions for them.
  test("a stripped program's stacks end where valgrind's do, at \"(below main)\", and each tool takes the other's suppressions", () => {
    const stripped = path.join(dir, 'leak_three_blocks.stripped');
    execFileSync('strip', ['-o', stripped, fixture]);
    const run = pmm('run', '--host', '--gen-suppressions', '--', stripped);
    expect(run.stderr).toMatch(/^ {4}by __libc_start_call_main \(.*\)\n(?! {4}by )/m);
    expect(run.stderr).not.toContain('by __libc_start_main');
    const ours = generated(run.stderr);
    expect(ours.match(/^ {3}obj:.*leak_three_blocks\.stripped\n {3}fun:\(below main\)\n\}$/gm)).toHaveLength(3);
    const valgrind = valgrindWith(saved('stripped-pmm.supp', ours), stripped);
    expect(valgrind).toMatch(/suppressed: 600 bytes in 3 blocks/);

    const { text: theirText } = valgrindsOwn(stripped);
    expect(theirText.match(/fun:\(below main\)/g)).toHaveLength(3);
    const byTheirs = pmm('run', '--host', '--suppressions', saved('stripped-valgrind.supp', theirText), '--', stripped);
    expect([byTheirs.status, byTheirs.stderr]).toEqual([0, expect.stringContaining('pmm: suppressed: 600 bytes in 3 blocks\n')]);
  });

  test('a function inlined into its caller is a line of its own, as valgrind reads it; the suppressed block is not listed', () => {
    const inlined = programBin('inlined');
    const text = generated(pmm('run', '--host', '--gen-suppressions', '--', inlined).stderr);
    expect(text).toBe('{\n   <pmm: 24 bytes in 1 block leaked at make_name>\n   Memcheck:Leak\n   fun:malloc\n   fun:make_name\n   fun:named\n   fun:main\n}');
    const file = saved('inlined.supp', text);
    const again = pmm('run', '--host', '--suppressions', file, '--', inlined);
    expect(again.stderr).toBe('pmm: the program exited with status 0\npmm: no leaks but suppressed ones\npmm: suppressed: 24 bytes in 1 block\n');
    expect(valgrindWith(file, inlined)).toMatch(/suppressed: 24 bytes in 1 blocks/);
  });

  test("C++: valgrind's own suppressions (mangled names, inlined functions by their short names) suppress in pmm, and pmm's in valgrind", () => {
    const { theirs, theirText, byTheirs, ourText, byOurs } = bothWays(programBin('cxx_names'), 'cxx');
    expect(theirs).toMatch(/in use at exit: 84 bytes in 3 blocks/);
    // What valgrind writes for them: a mangled member function, and an inlined template by its short name.
    expect(theirText).toContain('fun:_ZN4shop6Basket4fillEi');
    expect(theirText).toContain('fun:make<int>');
    expect(byTheirs.stderr).toContain('pmm: no leaks but suppressed ones\npmm: suppressed: 84 bytes in 3 blocks\n');

    expect(ourText).toContain('   fun:_Zna*\n   fun:make<int>\n   fun:main\n');
    expect(ourText).toContain('   fun:_Znw*\n   fun:_ZN4shop6Basket4fillEi\n   fun:main\n');
    expect(byOurs).toMatch(/suppressed: 84 bytes in 3 blocks/);
  });

  // Two names at one address, of which the debug info and valgrind's symbol table take different ones: a
  // constructor's C2 and C1, glibc's __fork and fork. Neither tool took the other's suppressions, and the
  // stack of an atfork handler's block showed the hook's own fork (pmm_fork_with, fork) between main and glibc's.
  test("names with two symbols at one address (a constructor's C1 and C2, __fork and fork): each tool takes the other's suppressions; no stack shows the hook", () => {
    const { theirs, theirText, byTheirs, ours, ourText, byOurs } = bothWays(programBin('cxx_aliases'), 'aliases');
    expect(theirs).toMatch(/in use at exit: 55 bytes in 3 blocks/);
    expect(theirText).toContain('fun:_ZN4CtorC1Ev');
    expect(theirText).toContain('fun:__run_prefork_handlers\n   fun:fork\n');
    expect(byTheirs.stderr).toContain('pmm: no leaks but suppressed ones\npmm: suppressed: 55 bytes in 3 blocks\n');

    expect(ours.stderr).toMatch(/^ {4}by __run_prefork_handlers \(.*\)\n {4}by __fork \(.*\)\n {4}by main \(.*cxx_aliases\.cc:\d+\)$/m);
    expect(ours.stderr).not.toContain('hooklib/pmm_');
    // The symbol table's name, as valgrind's stacks have it (C1 over C2, fork over __fork).
    expect(ourText).toContain('   fun:_ZN4CtorC1Ev\n');
    expect(ourText).toContain('   fun:__run_prefork_handlers\n   fun:fork\n');
    expect(byOurs).toMatch(/suppressed: 55 bytes in 3 blocks/);
  });

  // glibc functions that the debug info names otherwise than the symbol table valgrind reads (_IO_fdopen and
  // fdopen@@GLIBC_2.2.5, tmpfile64 and tmpfile@@GLIBC_2.2.5, __asprintf and asprintf, msort_with_tmp and its
  // clone msort_with_tmp.part.0): neither tool took the other's suppressions for their leaks.
  test("glibc's aliases, versioned names and compiler clones: each tool takes the other's suppressions", () => {
    const { theirs, theirText, byTheirs, ourText, byOurs } = bothWays(programBin('glibc_aliases'), 'glibc');
    const inUse = /in use at exit: ([\d,]+ bytes in \d+ blocks)/.exec(theirs)?.[1];
    // Versioned where libc6-dbg's symbol table names them so, else as .dynsym does, without.
    expect(theirText).toMatch(/fun:fdopen(@@GLIBC_2\.2\.5)?\n {3}fun:tmpfile(@@GLIBC_2\.2\.5)?\n/);
    expect(byTheirs.stderr).toContain(`pmm: no leaks but suppressed ones\npmm: suppressed: ${inUse?.replace(/,/g, '')}\n`);

    expect(ourText).toContain('   fun:asprintf\n');
    expect(byOurs).toContain(`suppressed: ${inUse}`);
  });

  // A function the debug info knows but the symbol table does not (its symbol stripped): valgrind names it
  // ??? and writes obj:, where llvm-symbolizer takes the symbol before it (frame_dummy), which pmm wrote.
  test('a frame no symbol covers is written as valgrind writes it, obj:, and valgrind takes it back', () => {
    fs.writeFileSync(path.join(dir, 'hidden.c'), '#include <stdlib.h>\n__attribute__((noinline)) static void *hidden_make(int n) { void *p = malloc(n); __asm__ volatile("" ::: "memory"); return p; }\nvoid *api(int n) { void *p = hidden_make(n); __asm__ volatile("" ::: "memory"); return p; }\n');
    fs.writeFileSync(path.join(dir, 'hidden_main.c'), 'void *api(int n);\nvoid *volatile keep;\nint main(void) { keep = api(40); return 0; }\n');
    const lib = path.join(dir, 'libhidden.so');
    execFileSync('gcc', ['-g', '-O1', '-fPIC', '-shared', '-o', lib, path.join(dir, 'hidden.c')]);
    execFileSync('objcopy', ['--strip-symbol=hidden_make', lib]);
    const program = path.join(dir, 'hidden_main');
    execFileSync('gcc', ['-g', '-o', program, path.join(dir, 'hidden_main.c'), lib, `-Wl,-rpath,${dir}`]);
    const ours = generated(pmm('run', '--host', '--gen-suppressions', '--', program).stderr);
    expect(ours).toContain(`   fun:malloc\n   obj:${lib}\n   fun:api\n   fun:main\n`);
    expect(valgrindWith(saved('hidden-pmm.supp', ours), program, [], ['--show-leak-kinds=all'])).toMatch(/suppressed: 40 bytes in 1 blocks/);
  });

  // Past pmm's cap of a process (1,000,000 kept), the one real leak was dropped and the kept ones were all
  // suppressed: pmm said "no leaks but suppressed ones", status 0, where valgrind reports the 4096 bytes.
  test('a run some of whose allocations pmm could not keep does not pass as clean', () => {
    const program = programBin('past_cap');
    const run = pmm('run', '--host', '--suppressions', saved('past-cap.supp', 'leak:known_leak'), '--', program);
    expect(run.stdout).toBe('past_cap: done\n');
    expect(run.stderr).toContain('pmm: no leaks among the allocations pmm kept, but not all were kept: whether it leaked is not known\n');
    expect(run.stderr).toContain("pmm: 1 allocation was not kept, past the most that pmm keeps (of one process: pmm.ko's max_records, 1,000,000 by default;");
    expect(run.status).toBe(1);
  }, 120_000);

  // llvm-symbolizer 14 cannot demangle std::make_shared<std::vector<int>>'s name, which stayed mangled in
  // pmm's stacks where valgrind (GNU's demangler) names it.
  test('a C++ name llvm-symbolizer cannot demangle is demangled as valgrind shows it', () => {
    const program = programBin('cxx_make_shared');
    const makeShared = 'std::make_shared<std::vector<int, std::allocator<int> >, int>(int&&)';
    const theirs = spawnSync('valgrind', ['--leak-check=full', '--show-leak-kinds=all', '--num-callers=16', program], { encoding: 'utf8' });
    expect(theirs.stderr).toContain(makeShared);
    const ours = pmm('run', '--host', '--', program);
    expect(ours.stderr).toContain(`::type> ${makeShared} (`);
    expect(ours.stderr).not.toMatch(/^ {4}by _Z/m);
  });

  test("mismatched releases: valgrind's Memcheck:Free suppressions suppress them in pmm, and pmm writes its own, which valgrind reads (they were skipped, and none was written)", () => {
    const program = programBin('cxx_operators');
    const theirs = spawnSync('valgrind', ['--gen-suppressions=all', program], { encoding: 'utf8' });
    const theirText = generated(theirs.stderr).split(/(?<=^\})\n/m).filter((block) => block.includes('Memcheck:Free')).join('\n');
    expect(theirText.match(/Memcheck:Free/g)).toHaveLength(2);
    const theirFile = saved('valgrind-free.supp', theirText);
    const byTheirs = pmm('run', '--host', '--suppressions', theirFile, '--', program);
    expect(byTheirs.stderr).not.toContain('mismatched free/delete');
    expect(byTheirs.stderr).toContain('pmm: suppressed: 2 mismatched releases\n');
    expect(byTheirs.status).toBe(1); // its four leaks are not suppressed

    const ours = generated(pmm('run', '--host', '--gen-suppressions', '--', program).stderr);
    expect(ours).toContain('   Memcheck:Free\n   fun:_ZdlPv*\n   fun:_ZL10mismatchedv\n   fun:main\n}');
    const ourFile = saved('pmm-free.supp', ours);
    const byOurs = pmm('run', '--host', '--suppressions', ourFile, '--', program);
    expect([byOurs.status, byOurs.stderr]).toEqual([0, expect.stringContaining('pmm: no leaks but suppressed ones\n')]);
    const valgrind = valgrindWith(ourFile, program);
    expect(valgrind).not.toContain('Mismatched free');
    expect(valgrind).toMatch(/ERROR SUMMARY: 0 errors/);
  });

  // The README's answer to a shell script's failing test: the shell keeps its blocks to exit, as valgrind shows.
  test("a shell's own blocks are suppressed by its file (LSan's leak:PATH), and a program it runs still leaks", () => {
    const shell = fs.realpathSync('/bin/sh');
    const bare = pmm('run', '--host', '--', '/bin/sh', '-c', 'true');
    expect(bare.stderr).toMatch(/^pmm: \d+ bytes in \d+ blocks leaked, from \d+ stacks$/m);
    const file = saved('shell.supp', `leak:${shell}`);
    const run = pmm('run', '--host', '--suppressions', file, '--', '/bin/sh', '-c', `true; ${fixture}`);
    expect(run.stderr).toContain('pmm: no leaks in the program itself but suppressed ones\n');
    expect(run.stderr).toMatch(/^pmm: forked child \d+ \(.*leak_three_blocks\): 600 bytes in 3 blocks leaked$/m);
    expect(run.status).toBe(1);
  });

  test('a missing or malformed suppression file is said before the program runs', () => {
    const missing = pmm('run', '--host', '--suppressions', path.join(dir, 'none.supp'), '--', fixture);
    expect({ status: missing.status, stderr: missing.stderr }).toEqual({ status: 3, stderr: `pmm: suppressions ${path.join(dir, 'none.supp')}: cannot be read (ENOENT)\n` });
    const bad = path.join(dir, 'bad.supp');
    fs.writeFileSync(bad, '{\n   name\n   Memcheck:Leak\n   fun:malloc\n');
    const malformed = pmm('run', '--host', '--suppressions', bad, '--', fixture);
    expect({ status: malformed.status, stderr: malformed.stderr }).toEqual({ status: 3, stderr: `pmm: suppressions ${bad}:1: suppression not closed with "}"\n` });
  });
});

test('run --host: output past 16 MiB is printed whole as it comes; --json keeps 16 MiB, and pmm says so', () => {
  const args = ['--', '/usr/bin/head', '-c', '17000000', '/dev/zero'];
  const live = spawnSync(process.execPath, [cli, 'run', '--host', ...args], { cwd: root, timeout: 30_000, maxBuffer: 64 << 20 });
  expect(live.stdout.length).toBe(17000000);
  expect(live.stderr.toString()).not.toContain('was cut');
  const json = spawnSync(process.execPath, [cli, 'run', '--host', '--json', ...args], { cwd: root, timeout: 30_000, maxBuffer: 256 << 20, encoding: 'utf8' });
  const report = JSON.parse(json.stdout) as { stdout: string; outputTruncated: boolean };
  expect({ length: report.stdout.length, outputTruncated: report.outputTruncated }).toEqual({ length: 16 * 1024 * 1024, outputTruncated: true });
  expect(json.stderr).toContain('pmm: the program\'s output was cut: pmm keeps the first 16 MiB of its stdout and of its stderr\n');
});

test('run --host: a free of a block never seen allocated is said, and fails nothing', () => {
  const run = pmm('run', '--host', '--', programBin('bad_input'));
  expect(run.stderr).toContain('pmm: 1 free (or realloc) of a block never seen allocated: a double free, a pointer no allocator gave, or a block allocated while hooks_active was off\n');
  // Its two leaks make the status 1; the unmatched free adds nothing to it.
  expect(run.status).toBe(1);
  expect(pmm('run', '--host', '--', path.join(root, 'fixtures', 'bin', 'clean_exit')).stderr).not.toContain('never seen allocated');
});

test('run --host --error-exitcode N: N when the run leaked, as valgrind\'s; 0 keeps the program\'s status', () => {
  const leaky = path.join(root, 'fixtures', 'bin', 'leak_three_blocks');
  const clean = path.join(root, 'fixtures', 'bin', 'clean_exit');
  expect(pmm('run', '--host', '--', leaky).status).toBe(1);
  expect(pmm('run', '--host', '--error-exitcode', '42', '--', leaky).status).toBe(42);
  expect(pmm('run', '--host', '--error-exitcode', '42', '--', clean).status).toBe(0);
  const reportOnly = pmm('run', '--host', '--error-exitcode=0', '--', leaky);
  expect(reportOnly.status).toBe(0);
  expect(reportOnly.stderr).toContain('600 bytes in 3 blocks');
});

test('run --host --num-callers N keeps N frames of each stack, as valgrind\'s option; 0 keeps none', () => {
  const leaky = programBin('leak_three');
  const frames = (depth: string): number[] => {
    const run = spawnSync(process.execPath, [cli, 'run', '--host', '--json', '--num-callers', depth, '--', leaky], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    return (JSON.parse(run.stdout) as { leaks: Array<{ frames: unknown[] }> }).leaks.map((l) => l.frames.length);
  };
  expect(frames('2')).toEqual([2, 2, 2]);
  expect(frames('0')).toEqual([0]);
  expect(Math.min(...frames('16'))).toBeGreaterThan(2);
});

describe('run --junit FILE: the run as a JUnit report, as pmm\'s Jest reporter writes one, valid against its schema', () => {
  /** pmm run --junit FILE ARGS...: the report it left (null: none), checked against the schema. */
  const junitOf = (...args: string[]): { xml: string | null; status: number | null; stderr: string } => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-junit-'));
    try {
      const file = path.join(dir, 'leaks.xml');
      const run = pmm('run', '--junit', file, ...args);
      const xml = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
      if (xml !== null) expect(junitSchemaErrors(xml)).toBeNull();
      return { xml, status: run.status, stderr: run.stderr };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const report = (program: string, ...options: string[]): { xml: string; status: number | null } => {
    const { xml, status } = junitOf('--host', ...options, '--', program);
    expect(xml).not.toBeNull();
    return { xml: xml ?? '', status };
  };

  test('leaks: a MemoryLeak failure with the stacks and the figures', () => {
    const { xml, status } = report(path.join(root, 'fixtures', 'bin', 'leak_three_blocks'));
    expect(xml).toContain('<testsuites name="pmm run" tests="1" failures="1" errors="0"');
    expect(xml).toContain('<property name="pmm.leaked.bytes" value="600"/>');
    expect(xml).toMatch(/<failure message="600 bytes in 3 blocks leaked" type="MemoryLeak">600 bytes in 3 blocks leaked by \S+leak_three_blocks\n {2}300 bytes in 1 block \(realloc\)\n {4}by leak_realloc \(/);
    expect(status).toBe(1);
  });

  test('a crash: a Crash error; a clean run: no failure, its zeros', () => {
    const crash = report(path.join(root, 'fixtures', 'bin', 'crash_segv'));
    expect(crash.xml).toMatch(/<error message="[^"]*SIGSEGV[^"]*" type="Crash">/);
    expect(crash.status).toBe(139);
    const clean = report(path.join(root, 'fixtures', 'bin', 'clean_exit'));
    expect(clean.xml).toContain('tests="1" failures="0" errors="0"');
    expect(clean.xml).toContain('<property name="pmm.leaked.blocks" value="0"/>');
    expect(clean.xml).not.toMatch(/<failure|<error/);
    expect(clean.status).toBe(0);
  });

  test('a program that exited non-zero: an ExitStatus failure, as its status fails the job, --error-exitcode 0 or not', () => {
    for (const options of [[], ['--error-exitcode', '0'], ['--error-exitcode', '42']]) {
      const { xml, status } = report('/bin/false', ...options);
      expect(xml).toContain('tests="1" failures="1" errors="0"');
      expect(xml).toContain('<failure message="/bin/false exited with status 1" type="ExitStatus">');
      expect(status).toBe(1);
    }
    // A leak leads; the status is the one more.
    const leaked = report(programBin('leak_three'));
    expect(leaked.xml).toMatch(/<failure message="600 bytes in 3 blocks leaked \(and 1 more problem\)" type="MemoryLeak">[^<]*exited with status 7<\/failure>/);
    expect(leaked.status).toBe(7);
  });

  test('a run pmm refuses or fails (a static program, a bad option): a PmmError with pmm\'s words, not an empty file', () => {
    const statik = programBin('exec_unhooked_static');
    const refusals = [
      [3, '--host', '--', statik],
      [127, '--host', '--', '/nonexistent/program'],
      // Refused before any VM boots.
      [3, '--share', 'a b', '--', '/bin/true'],
    ] as const;
    for (const [expected, ...args] of refusals) {
      const { xml, status, stderr } = junitOf(...args);
      expect(status).toBe(expected);
      const said = stderr.trimEnd().replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
      expect(said).toMatch(/^pmm: /);
      expect(xml).toContain('tests="1" failures="0" errors="1"');
      expect(xml).toContain(`<error message="${said}" type="PmmError">`);
    }
    // A command line pmm cannot read makes no report: it may not even say which file.
    const usage = junitOf('--host', '--timeout', 'soon', '--', '/bin/true');
    expect([usage.status, usage.xml]).toEqual([2, null]);
  });

  test("a program given by a relative path is named by its full path in the report, whether it ran or pmm refused the run: one case in CI's history", () => {
    const relative = path.relative(root, path.join(root, 'fixtures', 'bin', 'leak_three_blocks'));
    const full = path.join(root, 'fixtures', 'bin', 'leak_three_blocks');
    const ran = junitOf('--host', '--', relative);
    const refused = junitOf('--share', 'a b', '--', relative);
    for (const { xml } of [ran, refused]) expect(xml).toContain(`<testcase classname="${full}" name="${full}"`);
  });

  test("pmm's own stdout or stderr as the file (--junit out.xml > out.xml) is refused: the XML came after the program's output, and was no report", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-junit-'));
    try {
      const out = path.join(dir, 'out.xml');
      for (const [name, stdio] of [['stdout', 1], ['stderr', 2]] as const) {
        const fd = fs.openSync(out, 'w');
        const io: Array<'ignore' | 'pipe' | number> = ['ignore', 'pipe', 'pipe'];
        io[stdio] = fd;
        const run = spawnSync(process.execPath, [cli, 'run', '--host', '--junit', out, '--', path.join(root, 'fixtures', 'bin', 'leak_three_blocks')], { cwd: root, stdio: io, encoding: 'utf8', timeout: 30_000 });
        fs.closeSync(fd);
        const said = `pmm: --junit ${out} is pmm's ${name} as well, where the program's output goes: the XML would come after it, and be no report; give --junit another file\n`;
        expect([run.status, name === 'stdout' ? run.stderr : fs.readFileSync(out, 'utf8')]).toEqual([3, said]);
        if (name === 'stdout') expect(fs.readFileSync(out, 'utf8')).toBe('');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('/dev/stdout or /dev/stderr as the file, into a pipe, is refused the same; /dev/null is no stream of pmm\'s', () => {
    for (const name of ['stdout', 'stderr']) {
      const run = spawnSync(process.execPath, [cli, 'run', '--host', '--junit', `/dev/${name}`, '--', path.join(root, 'fixtures', 'bin', 'leak_three_blocks')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 30_000 });
      expect([run.status, run.stdout, run.stderr]).toEqual([
        3, '', `pmm: --junit /dev/${name} is pmm's ${name} as well, where the program's output goes: the XML would come after it, and be no report; give --junit another file\n`,
      ]);
    }
    const toNull = spawnSync(process.execPath, [cli, 'run', '--host', '-q', '--junit', '/dev/null', '--', '/bin/true'], { cwd: root, stdio: ['ignore', fs.openSync('/dev/null', 'w'), 'pipe'], encoding: 'utf8', timeout: 30_000 });
    expect([toNull.status, toNull.stderr]).toEqual([0, '']);
  });

  test('a file pmm cannot write is said before the program runs', () => {
    const run = pmm('run', '--host', '--junit', '/nonexistent-dir/leaks.xml', '--', path.join(root, 'fixtures', 'bin', 'leak_three_blocks'));
    expect(run.stderr).toMatch(/^pmm: cannot write the JUnit report \/nonexistent-dir\/leaks\.xml: ENOENT/);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(3);
  });
});

describe('run --log-file FILE, as valgrind\'s: pmm\'s report and notes go to FILE, the program\'s output where it was', () => {
  const leaky = programBin('leak_three');

  test('the report is in the file and not on stderr; the status is the run\'s', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-log-'));
    try {
      const log = path.join(dir, 'pmm.log');
      fs.writeFileSync(log, 'an earlier run\n');
      const run = pmm('run', '--host', '--log-file', log, '--', leaky);
      expect(run.stdout).toBe('leak_three: done\n');
      expect(run.stderr).toBe('');
      const text = fs.readFileSync(log, 'utf8');
      expect(text).not.toContain('an earlier run');
      expect(text).toContain('by leak_malloc (');
      expect(text).toContain('pmm: the program exited with status 7\npmm: 600 bytes in 3 blocks leaked');
      expect(run.status).toBe(7);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the file's name as valgrind's: %p is pmm's pid, %q{VAR} the variable's value; a bad % is a usage error", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-log-'));
    try {
      const run = spawnSync(process.execPath, [cli, 'run', '--host', `--log-file=${dir}/vg.%p.%q{PMM_LOG_TAG}.log`, '--', leaky], {
        cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, PMM_LOG_TAG: 'nightly' },
      });
      expect([run.status, run.stderr]).toEqual([7, '']);
      expect(fs.readdirSync(dir)).toEqual([`vg.${run.pid}.nightly.log`]);
      expect(fs.readFileSync(path.join(dir, `vg.${run.pid}.nightly.log`), 'utf8')).toContain('pmm: 600 bytes in 3 blocks leaked');
      const bad = pmm('run', '--host', `--log-file=${dir}/vg.%z.log`, '--', leaky);
      expect([bad.status, bad.stdout]).toEqual([2, '']);
      expect(bad.stderr).toMatch(/^pmm: --log-file ".*\/vg\.%z\.log": expected 'p', 'q\{VAR\}' or '%' after '%'/);
      expect(fs.readdirSync(dir)).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a file pmm cannot write is said before the program runs', () => {
    const run = pmm('run', '--host', '--log-file', '/nonexistent-dir/pmm.log', '--', leaky);
    expect(run.stderr).toMatch(/^pmm: cannot write the log file \/nonexistent-dir\/pmm\.log: ENOENT/);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(3);
  });

  test('--log-file /dev/stdout, with stdout to a file, writes the report after the program\'s output, not over it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-log-'));
    try {
      const out = path.join(dir, 'out.txt');
      const fd = fs.openSync(out, 'w');
      const run = spawnSync(process.execPath, [cli, 'run', '--host', '--log-file', '/dev/stdout', '--', leaky], { cwd: root, stdio: ['ignore', fd, 'pipe'], timeout: 30_000 });
      fs.closeSync(fd);
      const text = fs.readFileSync(out, 'utf8');
      expect(text.startsWith('leak_three: done\n')).toBe(true);
      expect(text).toContain('pmm: the program exited with status 7\npmm: 600 bytes in 3 blocks leaked');
      expect(run.status).toBe(7);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a log file that is the run\'s suppression file, or the file --junit writes, is refused and left as it was', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-log-'));
    try {
      const supp = path.join(dir, 'mine.supp');
      fs.writeFileSync(supp, 'leak:nothing_of_this_run\n');
      const onSupp = pmm('run', '--host', '--suppressions', supp, '--log-file', supp, '--', leaky);
      expect(onSupp.stderr).toBe(`pmm: --log-file ${supp} is the suppression file ${supp} as well: pmm would write over it; give --log-file another file\n`);
      expect(onSupp.stdout).toBe('');
      expect(onSupp.status).toBe(3);
      expect(fs.readFileSync(supp, 'utf8')).toBe('leak:nothing_of_this_run\n');
      const report = path.join(dir, 'report.xml');
      const twice = pmm('run', '--host', '--log-file', report, '--junit', report, '--', leaky);
      expect(twice.stderr).toBe(`pmm: --junit ${report} is the file --log-file writes as well: pmm would write over it; give --junit another file\n`);
      expect(twice.status).toBe(3);
      expect(fs.existsSync(report)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("run --host: the environment's LD_PRELOAD reaches the program, after the hook, as in the VM", () => {
  // A library that node (pmm) and the program load anyway, so it changes nothing.
  const preloaded = '/lib/x86_64-linux-gnu/libm.so.6';
  const run = spawnSync(process.execPath, [cli, 'run', '--host', '--', '/usr/bin/printenv', 'LD_PRELOAD'], {
    cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, LD_PRELOAD: preloaded },
  });
  expect(run.stdout.trimEnd().split(':')).toEqual([expect.stringMatching(/\/libpmm\.so$/), preloaded]);
  expect(run.status).toBe(0);
});

test('run --host: a mismatched release made before an exec into another program is printed with the stacks of the image that made it', () => {
  const run = pmm('run', '--host', '--', programBin('exec_image'), 'other');
  expect(run.stderr).toMatch(/Mismatched free\(\) \/ delete \/ delete \[\]: new\[\] block of 16 bytes released with delete\n {3}at 0x[0-9a-f]+: mismatch_before_exec \(\S+exec_image\.cc:25\)\n {3}by 0x[0-9a-f]+: main \(\S+exec_image\.cc:46\)/);
  expect(run.status).toBe(7);
});

/** Runs pmm with args; what stdout held when `first` came (and whether pmm had ended), then all of it. */
async function watchOutput(args: string[]): Promise<{ atFirst: string; exitedAtFirst: boolean; stdout: string; status: number | null }> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => {
    exited = true;
    resolve(code);
  }));
  const seen = await new Promise<{ atFirst: string; exitedAtFirst: boolean }>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('first')) resolve({ atFirst: stdout, exitedAtFirst: exited });
    });
    void closed.then(() => reject(new Error(`pmm ended before any output: ${stderr}`)));
  });
  const status = await closed;
  return { ...seen, stdout, status };
}

test('run --host: the program\'s output comes as it runs, not when it ends', async () => {
  const run = await watchOutput(['run', '--host', '--', '/bin/sh', '-c', 'echo first; sleep 2; echo second']);
  expect({ atFirst: run.atFirst, exitedAtFirst: run.exitedAtFirst }).toEqual({ atFirst: 'first\n', exitedAtFirst: false });
  expect(run.stdout).toBe('first\nsecond\n');
}, 30_000);

test('run --host: a reader that goes away (| head) gives the program its SIGPIPE, as without pmm, and pmm says so', () => {
  const run = pmmIntoHead(cli, root, ['run', '--host', '--', '/usr/bin/yes'], 30_000);
  expect(run.stderr).toContain('pmm: the program was killed by SIGPIPE\n');
  expect(run.stderr).not.toContain('EPIPE');
  expect(run.status).toBe(128 + 13);
});

test('run --host: SIGKILL ends pmm and, as under valgrind and in the VM, the program with it', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-cli-sigkill-'));
  try {
    const hang = path.join(root, 'fixtures', 'bin', 'hang_forever');
    const report = path.join(tmp, 'report.xml');
    const run = await pmmSignalled(cli, root, ['run', '--host', '--junit', report, '--', hang], 'SIGKILL', { stream: 'stdout', text: 'hang_forever: waiting\n' }, { ...process.env, TMPDIR: tmp });
    expect([run.status, run.signal]).toEqual([null, 'SIGKILL']);
    // --junit's file, made before the run, says there is no result (it was empty).
    const xml = fs.readFileSync(report, 'utf8');
    expect(junitSchemaErrors(xml)).toBeNull();
    expect(xml).toContain('<error message="pmm: the run has no result: pmm was ended before it had one (SIGKILL, or a failure of its own)" type="PmmError">');
    // The launcher and the program, which ran on before; given a moment to die of their parent-death signals.
    expect(run.descendants.length).toBe(2);
    const alive = (pid: number): boolean => processState(pid) !== null && processState(pid) !== 'Z';
    const deadline = Date.now() + 2000;
    while (run.descendants.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const left = run.descendants.filter(alive);
    // A failure must not leave them holding the test's pipes.
    for (const pid of left) process.kill(pid, 'SIGKILL');
    expect(left).toEqual([]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 30_000);

describe('run --host: SIGTERM, SIGINT, SIGQUIT, SIGUSR1 or SIGUSR2 sent to pmm', () => {
  const hang = path.join(root, 'fixtures', 'bin', 'hang_forever');
  // SIGUSR1 opened Node's debugger (pmm went on, listening on 127.0.0.1:9229); SIGUSR2 ended pmm, reportless.
  test.each([['SIGTERM', 143], ['SIGINT', 130], ['SIGQUIT', 131], ['SIGUSR1', 138], ['SIGUSR2', 140]] as const)('%s: the program gets it, and the report of what it leaked follows, as under valgrind', async (signal, status) => {
    // Its own TMPDIR: the run's folder must be gone afterwards, as after any run.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-cli-signal-'));
    try {
      const run = await pmmSignalled(cli, root, ['run', '--host', '--', hang], signal, { stream: 'stdout', text: 'hang_forever: waiting\n' }, { ...process.env, TMPDIR: tmp });
      expect(run.stderr).toContain(`pmm: ${signal}: passed on to the program; its report follows when it has ended\n`);
      expect(run.stderr).toContain(`pmm: the program was killed by ${signal}\n`);
      expect(run.stderr).toContain('Sz: 16B');
      expect(run.stderr).toContain('pmm: 16 bytes in 1 block leaked, from 1 stack\n');
      expect([run.status, run.signal]).toEqual([status, null]);
      // pmm's child, the program's launcher (its parent), is gone with it, as is the program; before,
      // the program ran on, and the folder stayed.
      expect(run.children.length).toBe(1);
      expect(fs.existsSync(`/proc/${run.children[0]}`)).toBe(false);
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 30_000);

  // It was said to be a program the hook cannot enter ("a set-user-ID or set-group-ID program ...": status 3).
  test('SIGTERM that ends the program before its hook started: nothing was recorded, and the program is no unhookable one', async () => {
    const run = await pmmSignalled(cli, root, ['run', '--host', '--', programBin('slow_start')], 'SIGTERM', { stream: 'stdout', text: 'slow_start: before the hook\n' });
    expect(run.stderr).toContain('pmm: SIGTERM: passed on to the program; its report follows when it has ended\n');
    expect(run.stderr).toContain('pmm: the program was killed by SIGTERM\npmm: nothing was recorded: SIGTERM ended it before the hook started\n');
    expect(run.stderr).not.toContain('set-user-ID');
    expect([run.status, run.signal]).toEqual([143, null]);
  }, 30_000);

  test.each(['SIGINT', 'SIGTERM'] as const)('%s once the program has ended ends pmm, its report unmade, as Ctrl-C ends valgrind in its leak check (it was swallowed, and the report came)', async (signal) => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-cli-ended-'));
    try {
      const report = path.join(tmp, 'report.xml');
      const program = path.join(root, 'fixtures', 'bin', 'leak_many_blocks');
      const child = spawn(process.execPath, [cli, 'run', '--host', '--junit', report, '--', program], { cwd: root, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
      const out = { stdout: '', stderr: '' };
      child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
      const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (status, sig) => resolve([status, sig])));
      // The program has said it is done, and it and its launcher are gone: pmm reads and symbolizes 200,000 records.
      expect(await waitUntil(() => out.stdout.includes('leak_many_blocks: done\n') && processTree(child.pid!).length === 1, 20_000)).toBe(true);
      child.kill(signal);
      expect(await closed).toEqual([null, signal]);
      expect(out.stderr).not.toContain('blocks leaked');
      const xml = fs.readFileSync(report, 'utf8');
      expect(junitSchemaErrors(xml)).toBeNull();
      expect(xml).toMatch(/<error message="pmm: [^"]*after the program ended, before its report was made[^"]*" type="PmmError">/);
      // The run's folder is gone all the same.
      expect(fs.readdirSync(tmp)).toEqual(['report.xml']);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 30_000);

  test("Ctrl-C on a terminal: the program got the terminal's SIGINT, and pmm does not send it a second", async () => {
    const run = await pmmOnTerminal(cli, root, ['run', '--host', '--', path.join(root, 'fixtures', 'bin', 'sigint_sources')], 'sigint_sources: waiting\n', '\x03');
    expect(run.output).toContain('pmm: SIGINT: the program got it from the terminal too; its report follows when it has ended\n');
    expect(run.output).toContain('sigint_sources: 1 from the terminal, 0 from a process\n');
    expect(run.output).toContain('pmm: no leaks: every allocation was freed\n');
  }, 30_000);

  /** pmm run --host on a fixture, in a process group of its own (detached), once it has printed "NAME: waiting". */
  async function runDetachedUntilWaiting(name: string): Promise<{ child: ChildProcess; out: { stdout: string; stderr: string } }> {
    const child = spawn(process.execPath, [cli, 'run', '--host', '--', path.join(root, 'fixtures', 'bin', name)], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => {
      out.stdout += d.toString();
      if (out.stdout.includes(`${name}: waiting\n`)) resolve();
    }));
    return { child, out };
  }

  test('a kill of pmm\'s whole process group reaches the program once, not a second time through pmm', async () => {
    const { child, out } = await runDetachedUntilWaiting('sigint_sources');
    process.kill(-child.pid!, 'SIGINT');
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
    expect(out.stdout).toContain('sigint_sources: 0 from the terminal, 1 from a process\n');
    expect(out.stderr).toContain('pmm: SIGINT: the program got it too, sent to its whole process group; its report follows when it has ended\n');
  }, 30_000);

  test('a forked child left running when the program ended: the report says pmm ended it, not only "killed by SIGKILL"', () => {
    const program = path.join(root, 'hooklib', '__tests__', 'programs', 'bin', 'detached');
    const run = spawnSync(process.execPath, [cli, 'run', '--host', '--', program, 'fork'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect([0, 1]).toContain(run.status); // 1 for its leak, if it got that far: the child's ending is what is looked at
    expect(run.stderr).toMatch(new RegExp(`^pmm: forked child \\d+ \\(${program}\\) was still running when the program ended: pmm ended it \\(SIGKILL\\), as it ends whatever a run leaves running$`, 'm'));
    expect(run.stderr).not.toContain('was killed by SIGKILL');
  }, 60_000);

  test('a forked child running at the timeout: the report says pmm ended it with the program', () => {
    const program = path.join(root, 'hooklib', '__tests__', 'programs', 'bin', 'detached');
    const run = spawnSync(process.execPath, [cli, 'run', '--host', '--timeout', '2', '--', program, 'stay'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(124);
    expect(run.stderr).toMatch(new RegExp(`^pmm: forked child \\d+ \\(${program}\\) was still running at the timeout: pmm ended it \\(SIGKILL\\) with the program$`, 'm'));
    expect(run.stderr).not.toContain('was killed by SIGKILL');
  }, 60_000);

  test("a kill of the whole group that the program dies of: pmm reports, though the program's end came before pmm's handler", async () => {
    // Before, pmm found the program ended when its handler ran, took the signal for one to stop the report,
    // and died of it (16 runs in 20); the launcher, which reaped the program before its own handler ran,
    // had not counted the group's signal either. A few runs: which comes first varies.
    for (let run = 0; run < 8; run++) {
      const { child, out } = await runDetachedUntilWaiting('hang_forever');
      process.kill(-child.pid!, 'SIGTERM');
      expect(await new Promise((resolve) => child.on('close', (code, signal) => resolve(signal ?? code)))).toBe(143);
      expect(out.stderr).toContain('pmm: SIGTERM: the program got it too, sent to its whole process group; its report follows when it has ended\n');
      expect(out.stderr).toContain('pmm: the program was killed by SIGTERM\npmm: 16 bytes in 1 block leaked, from 1 stack\n');
      expect(out.stderr).not.toContain('stopped before the report');
    }
  }, 60_000);

  test('a program that left pmm\'s process group (setsid) gets a kill of that group through pmm, as timeout(1) sends it', async () => {
    // Before, the launcher took the group's signal for one the program had too: kept, and pmm waited on.
    const { child, out } = await runDetachedUntilWaiting('own_session');
    process.kill(-child.pid!, 'SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const status = await new Promise((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    expect(out.stdout).toContain('own_session: got SIGINT\n');
    expect(out.stderr).toContain('pmm: SIGINT: passed on to the program; its report follows when it has ended\n');
    expect(out.stderr).toContain('pmm: the program exited with status 5\n');
    expect(status).toBe(5);
  }, 30_000);

  test('Ctrl-Z in an interactive shell stops pmm, the launcher and the program; fg starts them again', async () => {
    // A shell with job control, as a user has: its job (pmm's process group) is not orphaned, so the
    // terminal's SIGTSTP stops the launcher and the program as it stops any process.
    const shell = spawn('script', ['-qec', 'bash --norc --noprofile -i', '/dev/null'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    shell.stdout.on('data', (d: Buffer) => (output += d.toString().replace(/\r\n/g, '\n')));
    const shown = (text: string): Promise<boolean> => waitUntil(() => output.includes(text), 10_000);
    const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;
    let below: number[] = [];
    try {
      shell.stdin.write(`${[process.execPath, cli, 'run', '--host', '--', path.join(root, 'fixtures', 'bin', 'sigint_sources')].map(quote).join(' ')}\n`);
      expect(await shown('sigint_sources: waiting\n')).toBe(true);
      const [pmmPid] = pmmProcessesBelow(shell.pid!, cli);
      below = processTree(pmmPid);
      expect(below.length).toBe(3); // pmm, the launcher, the program
      shell.stdin.write('\x1a');
      expect(await waitUntil(() => below.every((pid) => processState(pid) === 'T'), 10_000)).toBe(true);
      shell.stdin.write('fg\n');
      expect(await waitUntil(() => below.every((pid) => processState(pid) !== 'T'), 10_000)).toBe(true);
      shell.stdin.write('\x03');
      expect(await shown('pmm: no leaks: every allocation was freed\n')).toBe(true);
      expect(output).toContain('sigint_sources: 1 from the terminal, 0 from a process\n');
    } finally {
      shell.stdin.write('exit\n');
      for (const pid of below) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }, 30_000);

  test('a terminal that hangs up while the program runs: pmm reports, and ends as the hangup ends it, not by Node\'s abort', async () => {
    // Node's exit restores a terminal's settings and aborts when it has hung up (nodejs/node#51519): status 134
    // and "Assertion failed" after the report.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-cli-hangup-'));
    try {
      const errors = path.join(dir, 'stderr');
      const session = terminalSession(cli, root, ['run', '--host', '--', path.join(root, 'fixtures', 'bin', 'hang_forever')], errors);
      await session.waitFor('hang_forever: waiting\n', 30_000);
      const [pmmPid] = pmmProcessesBelow(session.pid, cli);
      process.kill(session.pid, 'SIGKILL'); // script's end closes the terminal: it hangs up
      expect(await waitUntil(() => processState(pmmPid) === null, 20_000)).toBe(true);
      const text = fs.readFileSync(errors, 'utf8');
      expect(text).toContain('pmm: SIGHUP: ');
      expect(text).toContain('pmm: the program was killed by SIGHUP\n');
      expect(text).toContain('pmm: 16 bytes in 1 block leaked, from 1 stack\n');
      expect(text).not.toContain('Assertion failed');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('Ctrl-Z with no job-control shell above pmm (its process group orphaned): pmm stops the launcher and the program itself', async () => {
    // script runs pmm as the leader of its own session: the kernel drops the terminal's SIGTSTP for the
    // launcher and the program, which would run on while pmm stopped.
    const session = terminalSession(cli, root, ['run', '--host', '--', path.join(root, 'fixtures', 'bin', 'sigint_sources')]);
    await session.waitFor('sigint_sources: waiting\n', 30_000);
    const [pmmPid] = pmmProcessesBelow(session.pid, cli);
    const below = processTree(pmmPid);
    expect(below.length).toBe(3); // pmm, the launcher, the program
    let ended = false;
    try {
      session.type('\x1a');
      expect(await waitUntil(() => [...below, session.pid].every((pid) => processState(pid) === 'T'), 10_000)).toBe(true);
      // Continued (fg would continue pmm's group; here pmm alone), pmm continues them.
      process.kill(pmmPid, 'SIGCONT');
      expect(await waitUntil(() => below.every((pid) => processState(pid) !== 'T'), 10_000)).toBe(true);
      process.kill(session.pid, 'SIGCONT');
      session.type('\x03');
      // Once seen to wait out the test's time in CI (a loaded machine, two TCG guests beside it): should it
      // again, the states of script, pmm, the launcher and the program say where.
      const states = (): string => `; states: ${[session.pid, ...below].map((pid) => `${pid} ${processState(pid)}`).join(', ')}`;
      expect(await session.closedWithin(30_000, states)).toBe(0);
      ended = true;
    } finally {
      if (!ended) for (const pid of [session.pid, ...below]) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    expect(session.output()).toContain('sigint_sources: 1 from the terminal, 0 from a process\n');
    expect(session.output()).toContain('pmm: no leaks: every allocation was freed\n');
  }, 90_000);

  test('on a terminal, a SIGINT sent to pmm alone (kill) is not taken for the terminal\'s: it is passed on', async () => {
    const session = terminalSession(cli, root, ['run', '--host', '--', path.join(root, 'fixtures', 'bin', 'sigint_sources')]);
    await session.waitFor('sigint_sources: waiting\n');
    const pmmPid = pmmProcessesBelow(session.pid, cli);
    expect(pmmPid.length).toBe(1);
    process.kill(pmmPid[0], 'SIGINT');
    expect(await session.closed).toBe(0);
    expect(session.output()).toContain('pmm: SIGINT: passed on to the program; its report follows when it has ended\n');
    expect(session.output()).toContain('sigint_sources: 0 from the terminal, 1 from a process\n');
  }, 30_000);
});

describe('pmm\'s own stdout or stderr on a full disk (/dev/full): the run\'s status, and what was lost said (Node ended pmm with a stack, status 1)', () => {
  const full = (args: string[], which: 'stdout' | 'stderr') => {
    const fd = fs.openSync('/dev/full', 'w');
    try {
      const stdio: Array<'ignore' | 'pipe' | number> = ['ignore', 'pipe', 'pipe'];
      stdio[which === 'stdout' ? 1 : 2] = fd;
      const run = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000, stdio });
      return { status: run.status, stderr: run.stderr ?? '' };
    } finally {
      fs.closeSync(fd);
    }
  };

  test.each([[['--host']], [[]]])('--json %j: exit 3, saying the report could not be written', (mode) => {
    const run = full(['run', ...mode, '--json', '--', '/bin/true'], 'stdout');
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/^pmm: cannot write the JSON report to stdout: ENOSPC: no space left on device/m);
  });

  test("in the VM, the program's output that pmm could not write on is said to be dropped; the program's status stays", () => {
    const run = full(['run', '--', '/bin/sh', '-c', 'echo hello; exit 5'], 'stdout');
    expect(run.status).toBe(5);
    expect(run.stderr).toMatch(/^pmm: writing the program's stdout failed \(ENOSPC: no space left on device.*\): what it wrote after that was dropped$/m);
    // With stderr on the full disk nothing can be said, but the status is still the program's.
    expect(full(['run', '--', '/bin/sh', '-c', 'echo hello >&2; exit 5'], 'stderr').status).toBe(5);
  });
});

test('run when QEMU cannot be started (not on PATH): exit 3, saying so (pmm ended with status 0, saying nothing)', () => {
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-bare-path-'));
  try {
    const run = spawnSync(process.execPath, [cli, 'run', '--', '/bin/true'], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: bare } });
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/^pmm: the VM did not boot to run \/bin\/true \(kernel [^)]*\): .*could not start QEMU \(qemu-system-x86_64\): spawn qemu-system-x86_64 ENOENT$/m);
  } finally {
    fs.rmSync(bare, { recursive: true, force: true });
  }
});
