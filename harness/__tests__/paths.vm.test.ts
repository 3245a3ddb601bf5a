// What a program finds in the guest: host paths as they are (a program built in /tmp, run by a path
// relative to its cwd, writes beside itself, and the host sees the file), the host's name, and a loopback
// network.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type {} from '../globals';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-paths-'));
  fs.writeFileSync(
    path.join(dir, 'writer.c'),
    [
      '#include <stdio.h>',
      '#include <stdlib.h>',
      '#include <unistd.h>',
      'int main(int argc, char **argv) {',
      '  char cwd[4096];',
      '  FILE *f = fopen("written-in-guest.txt", "w");',
      '  if (!f || !getcwd(cwd, sizeof(cwd))) return 2;',
      '  fprintf(f, "%s %s\\n", cwd, argc > 1 ? argv[1] : "");',
      '  fclose(f);',
      '  printf("%s\\n", getenv("PMM_TEST_VALUE"));',
      '  return 0;',
      '}',
      '',
    ].join('\n'),
  );
  execFileSync('gcc', ['-g', '-o', path.join(dir, 'writer'), path.join(dir, 'writer.c')]);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a program in /tmp, by a relative path, with its cwd, arguments and environment', async () => {
  const result = await pmm.run('./writer', ['an argument'], { cwd: dir, env: { PMM_TEST_VALUE: 'from the host' } });
  expect({ exitCode: result.exitCode, signal: result.signal, stderr: result.stderr }).toEqual({ exitCode: 0, signal: null, stderr: '' });
  expect(result).toHaveNoLeaks();
  expect(result.stdout).toBe('from the host\n');
  expect(fs.readFileSync(path.join(dir, 'written-in-guest.txt'), 'utf8')).toBe(`${dir} an argument\n`);
});

test("a program named without a slash is found on the PATH of the run's env, as child_process.spawn finds it", async () => {
  const result = await pmm.run('writer', [], { cwd: dir, env: { PATH: `${dir}:/usr/bin:/bin`, PMM_TEST_VALUE: 'found' } });
  expect({ program: result.program, exitCode: result.exitCode, stdout: result.stdout }).toEqual({ program: path.join(dir, 'writer'), exitCode: 0, stdout: 'found\n' });
});

test('bad arguments are refused before anything runs', async () => {
  await expect(pmm.run(path.join(dir, 'writer'), 'not-an-array' as unknown as string[])).rejects.toThrow(
    /arguments must be an array of strings/,
  );
  await expect(pmm.run(path.join(dir, 'missing'))).rejects.toThrow(`pmm: program does not exist: ${path.join(dir, 'missing')}`);
  await expect(pmm.run(1 as unknown as string)).rejects.toThrow('pmm: the program must be a path or a name on PATH (a string), got 1');
  // pmd refused these, in words about its own argv (counted from the program) and with no "pmm:".
  await expect(pmm.run('/bin/echo', ['ok', 'a\0b'])).rejects.toThrow(`pmm: argument 2 holds a NUL character, which a program's arguments cannot carry: "a\\u0000b"`);
  await expect(pmm.run('/bin/echo', [], { env: { A: 'a\0b' } })).rejects.toThrow(`pmm: option "env.A" holds a NUL character, which an environment cannot hold: "a\\u0000b"`);
  // A BigInt threw TypeError from JSON.stringify instead of the option's message.
  await expect(pmm.run('/bin/echo', [], { timeoutMs: 10n as unknown as number })).rejects.toThrow('pmm: option "timeoutMs" must be a non-negative integer (ms; 0 for no limit), got 10n');
});

test("a program that cannot be started says whether it is missing (the CLI's 127) or there but refused (126)", async () => {
  await expect(pmm.run(path.join(dir, 'missing'))).rejects.toMatchObject({ name: 'ProgramError', missing: true });
  await expect(pmm.run(dir)).rejects.toMatchObject({ name: 'ProgramError', message: `pmm: program is not a file: ${dir}`, missing: false });
});

test('an argument with half a UTF-16 surrogate pair is refused at once, naming it, and the VM runs the next program', async () => {
  // JSON carries it escaped, and pmd could not read the request: the run waited 90 s for an answer, then lost the VM.
  await expect(pmm.run('/bin/echo', ['ok', 'a\ud800'], { hook: false })).rejects.toThrow(
    'pmm: the run\'s argument 2 "a\\ud800" has half of a UTF-16 surrogate pair, which is not text',
  );
  const next = await pmm.run('/bin/echo', ['', 'empty', ''], { hook: false });
  expect(next.stdout).toBe(' empty \n');
});

test('empty arguments and variables reach the program empty', async () => {
  const result = await pmm.run('/usr/bin/printf', ['[%s]', '', 'x', ''], { env: { PMM_TEST_EMPTY: '' }, hook: false });
  expect(result.stdout).toBe('[][x][]');
  // Without the hook nothing was recorded: the result says so, and the leak matchers refuse it.
  expect(result.hook).toBe(false);
  expect(() => expect(result).toHaveNoLeaks()).toThrow('toHaveNoLeaks: pmm cannot tell of /usr/bin/printf: it ran without the hook (hook: false)');
  const env = await pmm.run('/usr/bin/printenv', ['PMM_TEST_EMPTY'], { env: { PMM_TEST_EMPTY: '' }, hook: false });
  expect({ exitCode: env.exitCode, stdout: env.stdout }).toEqual({ exitCode: 0, stdout: '\n' });
});

test('the standard streams by name: /dev/stdin, /dev/stdout, /dev/stderr and /dev/fd, as udev makes them', async () => {
  const script = `cat /dev/stdin; echo out >/dev/stdout; echo err >/dev/stderr; { read -r line </dev/fd/3; echo "$line"; } 3<<<'by fd'; cat <(echo substituted)`;
  const result = await pmm.run('/bin/bash', ['-c', script], { input: 'in\n', hook: false });
  expect({ exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }).toEqual({ exitCode: 0, stdout: 'in\nout\nby fd\nsubstituted\n', stderr: 'err\n' });
});

test('the loopback interface is up: a server and its client talk over 127.0.0.1 and ::1', async () => {
  const result = await pmm.run(path.join(__dirname, '..', '..', 'fixtures', 'bin', 'loopback'));
  expect({ exitCode: result.exitCode, stdout: result.stdout }).toEqual({ exitCode: 0, stdout: '127.0.0.1 ok\n::1 ok\n' });
  expect(result).toHaveNoLeaks();
});

test("the guest has the host's name", async () => {
  const result = await pmm.run('/bin/hostname', [], { hook: false });
  expect(result.stdout).toBe(`${os.hostname()}\n`);
});

test("the guest's own memory folders hold a quarter of its memory each, so that filling them cannot starve the guest", async () => {
  const script = "awk '/^MemTotal:/ {print $2}' /proc/meminfo; df -k /dev/shm /run /var/tmp | awk 'NR > 1 {print $2}'";
  const result = await pmm.run('/bin/sh', ['-c', script], { hook: false });
  const [memory, ...folders] = result.stdout.trim().split('\n').map(Number);
  expect(folders).toHaveLength(3);
  for (const size of folders) expect(size).toBeLessThanOrEqual(Math.ceil(memory / 4) + 4);
  // And filled, one says so to the program that writes: ENOSPC.
  const filled = await pmm.run('/bin/sh', ['-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1M 2>&1 | grep -c "No space left"; rm -f /dev/shm/fill'], { hook: false });
  expect(filled.stdout).toBe('1\n');
});

test("out of memory, the guest's kernel may kill a program but never pmd: the program gets the default weighting", async () => {
  const result = await pmm.run('/bin/sh', ['-c', 'cat /proc/self/oom_score_adj /proc/$PPID/oom_score_adj'], { hook: false });
  expect(result.stdout).toBe('0\n-1000\n');
});

test("argv[0] is the program's name as given, a name found on PATH or a relative path, as execvp and valgrind give it (it was the path pmm found)", async () => {
  const byName = await pmm.run('cat', ['/proc/self/cmdline']);
  const relative = await pmm.run('./cat', ['/proc/self/cmdline'], { cwd: '/usr/bin' });
  expect([byName.stdout, relative.stdout, relative.program]).toEqual(['cat\0/proc/self/cmdline\0', './cat\0/proc/self/cmdline\0', '/usr/bin/cat']);
});
