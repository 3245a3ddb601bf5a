// pmm's figures equal valgrind's: ordinary system programs on small inputs made here, each run under
// valgrind memcheck on the host and under the hook in the VM (same binary, same files, same environment),
// must leave exactly valgrind's "in use at exit: X bytes in N blocks", and make as many mismatched
// releases as valgrind's "Mismatched free() / delete / delete []" errors.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type {} from '../../harness/globals';

// /tmp is shared with the guest, writable: the inputs are the same files on both sides.
const work = fs.mkdtempSync('/tmp/pmm-valgrind-');
const env = { LC_ALL: 'C', TZ: 'UTC', HOME: work, GIT_CONFIG_NOSYSTEM: '1' };

const cases: Array<[string, string[]]> = [
  ['sort', ['words.txt']],
  ['sort', ['-u', '-r', 'words.txt']],
  ['ls', ['-la', 'tree']],
  ['sed', ['-e', 's/a/b/g', 'words.txt']],
  ['tar', ['-tvf', 'tree.tar']],
  ['grep', ['-c', 'a', 'words.txt']],
  ['find', ['tree']],
  ['cut', ['-c1-3', 'words.txt']],
  ['git', ['--version']],
  ['git', ['-C', 'repo', 'log', '--oneline']],
  // iconv dlopens a gconv module and leaks its conversion: the loader's blocks for the module are freed
  // only when the C library's freeres runs after every destructor, as valgrind's does.
  ['iconv', ['-f', 'UTF-8', '-t', 'ISO-8859-1', 'words.txt']],
  // Programs that exec() another: what the first image left went with its memory; only the last counts.
  ['env', ['X=1', 'sort', 'words.txt']],
  ['sh', ['-c', 'exec sort -r words.txt']],
  // The hook's own test programs: C++ operators, 8 threads freeing each other's blocks, 4 moving (realloc),
  // freeing and reusing each other's, blocks that come back to their first thread through another,
  // glibc's __libc_ names, bad input, each kind of mismatched release, and a static libstdc++ (cc1's way).
  // Programs with their own operator delete or new: valgrind replaces theirs, the hook keeps them, and
  // neither sees a mismatch.
  ...['cxx_operators', 'cxx_own_delete', 'cxx_own_new', 'cxx_pool', 'cxx_static', 'threads', 'threads_realloc', 'returned_block', 'libc_names', 'bad_input', 'mismatched_frees'].map((name): [string, string[]] => [path.join(__dirname, 'programs', 'bin', name), []]),
  // A program that ends with _exit(): valgrind's freeres runs however a process ends, and so does the hook's.
  [path.join(__dirname, 'programs', 'bin', 'quick_exit'), ['main']],
];

/**
 * What valgrind says is still allocated when program exits, from its summary line, and its mismatched
 * releases, and the program's stdout. --trace-children follows an exec (in the same process, which then
 * reports for its last image only); lines of other processes (a child the program runs) are not the program's.
 */
function valgrindRun(program: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): { bytes: number; blocks: number; mismatches: number; invalidFrees: number; stdout: string } {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k !== 'LD_PRELOAD' && k !== 'NODE_OPTIONS') clean[k] = v;
  }
  const run = spawnSync('valgrind', ['--leak-check=no', '--trace-children=yes', program, ...args], {
    cwd: work,
    env: { ...clean, ...env, ...extraEnv },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.error) throw new Error(`valgrind could not run (is it installed?): ${run.error.message}`);
  const pid = /^==(\d+)==/m.exec(run.stderr)?.[1];
  const m = new RegExp(`^==${pid}== +in use at exit: ([\\d,]+) bytes in ([\\d,]+) blocks`, 'm').exec(run.stderr);
  if (!m) throw new Error(`no "in use at exit" line from valgrind ${program}:\n${run.stderr}`);
  const mismatches = run.stderr.match(new RegExp(`^==${pid}== Mismatched free\\(\\) / delete / delete \\[\\]$`, 'gm'))?.length ?? 0;
  const invalidFrees = run.stderr.match(new RegExp(`^==${pid}== Invalid free\\(\\) / delete / delete\\[\\] / realloc\\(\\)$`, 'gm'))?.length ?? 0;
  return { bytes: Number(m[1].replace(/,/g, '')), blocks: Number(m[2].replace(/,/g, '')), mismatches, invalidFrees, stdout: run.stdout };
}

function which(name: string): string {
  if (name.includes('/')) return name;
  return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
}

beforeAll(() => {
  execFileSync('make', ['-C', path.join(__dirname, '..'), 'all', 'test-programs'], { stdio: 'pipe' });
  fs.writeFileSync(path.join(work, 'words.txt'), 'pear\napple\nfig\nbanana\napple\ncherry\nkiwi\n');
  fs.mkdirSync(path.join(work, 'tree', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(work, 'tree', 'a.txt'), 'hello\n');
  fs.writeFileSync(path.join(work, 'tree', 'sub', 'b.txt'), 'world\n');
  execFileSync('tar', ['-cf', 'tree.tar', 'tree'], { cwd: work });
  const git = (...args: string[]): void => {
    execFileSync('git', ['-C', path.join(work, 'repo'), ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  };
  fs.mkdirSync(path.join(work, 'repo'));
  git('init', '-q');
  fs.writeFileSync(path.join(work, 'repo', 'f.txt'), 'one\n');
  git('add', 'f.txt');
  git('-c', 'user.name=pmm', '-c', 'user.email=pmm@example.invalid', 'commit', '-q', '-m', 'first');
}, 60_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test.each(cases)('%s %p leaves what valgrind says is in use at exit', async (name, args) => {
  // valgrind makes each thread run alone; under the hook they interleave: the figures must agree anyway.
  const program = which(name);
  const { mismatches, invalidFrees, stdout: _stdout, ...expected } = valgrindRun(program, args);
  const result = await pmm.run(program, args, { cwd: work, env, timeoutMs: 120_000 });
  expect(result.exitCode).toBe(0);
  expect(result.summary).toEqual(expected);
  // Declares the figures as expected, so that the environment does not fail the test for them.
  if (expected.blocks > 0) expect(result).toLeak(expected);
  else expect(result).toHaveNoLeaks();
  expect(result).toHaveMismatchedFrees(mismatches);
  // A free of a block never seen allocated is one valgrind calls invalid, and no other; but bad_input's
  // foreign free, of a block it allocated with hooks_active off (valgrind has no such switch).
  expect(result.unmatchedFrees).toBe(invalidFrees + (path.basename(program) === 'bad_input' ? 1 : 0));
}, 60_000);

// perl copies its environment into the heap (%ENV: four blocks a variable), so its figures follow the
// variables each tool adds: valgrind's own LD_PRELOAD and VALGRIND_LIB after an exec, pmm's LD_PRELOAD.
// Run through `env -i`, each perl sees one variable of the test's, and pmm's perl is given the others that
// valgrind's saw (but LD_PRELOAD, which each tool sets): the same names, so as many blocks. The bytes
// still differ by the two LD_PRELOAD values' lengths, and are not compared.
test('perl, given the same environment variables as under valgrind, leaves as many blocks', async () => {
  const perl = which('perl');
  const script = 'print map { "$_=$ENV{$_}\\n" } sort keys %ENV';
  const run = valgrindRun('/usr/bin/env', ['-i', 'PMM_TEST=1', perl, '-e', script]);
  const valgrindVariables = run.stdout.split('\n').filter((line) => line.includes('=') && !line.startsWith('PMM_TEST='));
  const added = valgrindVariables.filter((line) => !line.startsWith('LD_PRELOAD='));
  // What this test relies on: valgrind added LD_PRELOAD and something more.
  expect(valgrindVariables.length).toBeGreaterThan(added.length);
  expect(added.length).toBeGreaterThan(0);

  const result = await pmm.run('/usr/bin/env', ['-i', 'PMM_TEST=1', ...added, perl, '-e', script], { cwd: work, timeoutMs: 120_000 });
  expect(result.exitCode).toBe(0);
  const names = (text: string): string[] => text.split('\n').filter((line) => line.includes('=')).map((line) => line.split('=')[0]);
  expect(names(result.stdout)).toEqual(names(run.stdout));
  expect(result.summary.blocks).toBe(run.blocks);
  expect(result).toLeak({ blocks: result.summary.blocks });
}, 60_000);

// A known difference: glibc gives each thread a DTV (calloc'd by pthread_create), 16 bytes per slot of
// a library with thread-local variables. libpmm.so has some (its per-thread state, read on every
// allocation) and valgrind's preloaded library none, so each thread still running at exit shows 16
// bytes more under pmm: the same blocks, the bytes apart by exactly that. README troubleshooting says so.
test("threads still running at exit: valgrind's blocks, each thread's DTV 16 bytes bigger", async () => {
  const program = path.join(__dirname, 'programs', 'bin', 'threads_at_exit');
  const run = valgrindRun(program, []);
  const result = await pmm.run(program, [], { timeoutMs: 120_000 });
  expect([result.exitCode, result.stdout]).toEqual([0, run.stdout]);
  expect(result.summary).toEqual({ bytes: run.bytes + 2 * 16, blocks: run.blocks });
  const dtv = result.leaks.filter((leak) => leak.frames.some((frame) => frame.function === 'allocate_dtv'));
  // The two DTVs: what valgrind counted but the threads' own 32 and 64 bytes, and 16 more each.
  expect(dtv.map((leak) => [leak.blocks, leak.bytes])).toEqual([[2, run.bytes - 32 - 64 + 2 * 16]]);
  expect(result).toLeak(result.summary);
}, 60_000);

// A known difference: libpmm.so links libgcc_s, so the loader has it from the start, and a library opened
// later that needs it (anything C++) gets a link map for it under valgrind (four blocks), none under pmm.
// Given libgcc_s from the start too, valgrind's figures are pmm's. The C++ library is opened with
// RTLD_LOCAL, as nm opens its LTO plugins: its libstdc++ is out of the global scope, where the hook's
// exit-time lookup of __gnu_cxx::__freeres failed and made two frees of blocks never seen allocated.
test("a C++ library opened with RTLD_LOCAL: valgrind's figures, given libgcc_s from the start too, and no unmatched frees", async () => {
  const program = path.join(__dirname, 'programs', 'bin', 'cxx_plugin');
  const plain = valgrindRun(program, []);
  const run = valgrindRun(program, [], { LD_PRELOAD: 'libgcc_s.so.1' });
  // What this test relies on: libgcc_s loaded later costs valgrind blocks.
  expect(plain.blocks).toBeGreaterThan(run.blocks);
  const result = await pmm.run(program, [], { timeoutMs: 120_000 });
  expect([result.exitCode, result.stdout]).toEqual([0, run.stdout]);
  expect(result.summary).toEqual({ bytes: run.bytes, blocks: run.blocks });
  expect(result.unmatchedFrees).toBe(0);
  expect(result).toLeak(result.summary);
}, 60_000);
