// Tests pmd's serve mode on the host over --stdio (pmm.ko only exists in the guest), and the daemon
// commands' failure when /dev/pmm is missing.
import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { constants, tmpdir } from 'os';
import { join } from 'path';
import { decode, nextRunId, Pmd, pmdDir, pmdPath, runRequest } from './pmdServe';

beforeAll(() => {
  execFileSync('make', ['-C', pmdDir], { stdio: 'pipe' });
}, 120000);

describe('pmd serve --stdio', () => {
  let pmd: Pmd;
  let scratch: string;

  beforeEach(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'pmd-test-'));
    pmd = new Pmd();
    const ready = await pmd.next();
    expect(ready).toEqual({ type: 'ready', kernel: expect.any(String), pmmLoaded: existsSync('/dev/pmm') });
  });

  afterEach(() => {
    pmd.kill();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('says when the program has ended, ahead of the result (collecting what it left takes a while)', async () => {
    const req = runRequest(['/bin/sh', '-c', 'exit 0']);
    pmd.sendRaw(JSON.stringify(req));
    expect(JSON.parse(await pmd.nextLine())).toEqual({ id: req.id, type: 'ended' });
    expect(await pmd.next()).toMatchObject({ id: req.id, type: 'result', exitCode: 0 });
  });

  test('reports exit code and both outputs of a plain run', async () => {
    const req = runRequest(['/bin/sh', '-c', 'echo out; echo err >&2; exit 3']);
    const answer = await pmd.request(req);
    expect(answer).toMatchObject({
      id: req.id, type: 'result', exitCode: 3, signal: null, timedOut: false,
      maps: '', records: [], unmatchedFrees: 0, dropped: 0, mismatches: [], mismatchedFrees: 0,
    });
    expect(answer.pid).toEqual(expect.any(Number));
    expect(answer.truncated).toBeUndefined();
    expect(decode(answer.stdout).toString()).toBe('out\n');
    expect(decode(answer.stderr).toString()).toBe('err\n');
  });

  test.each([
    ['SIGKILL', 'kill -KILL $$'],
    ['SIGSEGV', 'kill -SEGV $$'],
  ])('names the signal %s that ended the program', async (signal, script) => {
    const answer = await pmd.request(runRequest(['/bin/sh', '-c', script]));
    expect(answer).toMatchObject({ type: 'result', exitCode: null, signal, timedOut: false });
  });

  test('kills a program that outlives timeoutMs', async () => {
    const started = Date.now();
    const answer = await pmd.request(runRequest(['/bin/sleep', '30'], { timeoutMs: 500 }));
    const elapsed = Date.now() - started;
    expect(answer).toMatchObject({ type: 'result', exitCode: null, signal: 'SIGKILL', timedOut: true });
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(5000);
  });

  test('ends a run when the program exits, even if a background child holds its stdout', async () => {
    const started = Date.now();
    const answer = await pmd.request(runRequest(['/bin/sh', '-c', 'sleep 30 & echo started'], { timeoutMs: 0 }));
    expect(answer).toMatchObject({ type: 'result', exitCode: 0, timedOut: false });
    expect(decode(answer.stdout).toString()).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('answers an error naming a program that does not exist, by path and through PATH, with the step and errno', async () => {
    const noEntry = { errno: constants.errno.ENOENT, reason: 'No such file or directory' };
    const byPath = runRequest(['/nonexistent/pmd-test-prog']);
    expect(await pmd.request(byPath)).toEqual({
      id: byPath.id, type: 'error', message: 'execve /nonexistent/pmd-test-prog: No such file or directory',
      cannotStart: { step: 'execve', ...noEntry },
    });
    const byName = runRequest(['pmd-test-no-such-prog']);
    expect(await pmd.request(byName)).toEqual({
      id: byName.id, type: 'error', message: 'execve pmd-test-no-such-prog: No such file or directory',
      cannotStart: { step: 'execve', ...noEntry },
    });
    const dir = runRequest(['/bin/true'], { cwd: '/nonexistent-dir' });
    expect(await pmd.request(dir)).toEqual({
      id: dir.id, type: 'error', message: 'chdir /nonexistent-dir: No such file or directory',
      cannotStart: { step: 'chdir', ...noEntry },
    });
  });

  test('a script whose #! interpreter is missing cannot start: execve ENOENT, though the script exists', async () => {
    const script = join(scratch, 'bad-interpreter');
    writeFileSync(script, '#!/nonexistent/python9\nprint(1)\n', { mode: 0o755 });
    expect(await pmd.request(runRequest([script]))).toMatchObject({
      type: 'error', cannotStart: { step: 'execve', errno: constants.errno.ENOENT },
    });
  });

  test('an executable text file without a #! line runs through /bin/sh with its arguments, as execvp runs it', async () => {
    const script = join(scratch, 'no-shebang');
    writeFileSync(script, 'echo "$0|$#|$1"\n', { mode: 0o755 });
    const byPath = await pmd.request(runRequest([script, 'a b']));
    expect(byPath).toMatchObject({ type: 'result', exitCode: 0 });
    expect(decode(byPath.stdout).toString()).toBe(`${script}|1|a b\n`);
    const byName = await pmd.request(runRequest(['no-shebang'], { env: { PATH: `/nonexistent:${scratch}` } }));
    expect(byName).toMatchObject({ type: 'result', exitCode: 0 });
    expect(decode(byName.stdout).toString()).toBe(`${script}|0|\n`);
  });

  test('finds a bare program name in the PATH of the given env, not its own', async () => {
    const answer = await pmd.request(runRequest(['echo', 'hi'], { env: { PATH: '/nonexistent:/bin' } }));
    expect(answer).toMatchObject({ type: 'result', exitCode: 0 });
    expect(decode(answer.stdout).toString()).toBe('hi\n');
  });

  test.each([
    ['{"id":1,"type":"run"', /^invalid JSON at byte \d+/, null],
    ['[1,2]', /must be a JSON object, not an array/, null],
    ['{"type":"run"}', /missing field "id"/, null],
    ['{"id":"7","type":"run"}', /"id" must be a number, not a string/, null],
    ['{"id":7,"type":"run","argv":["/bin/true"],"cwd":"/","env":{},"hook":null}', /missing field "timeoutMs" in a run request/, 7],
    ['{"id":7,"type":"run","argv":"/bin/true","cwd":"/","env":{},"hook":null,"timeoutMs":0}', /"argv" must be an array of strings, not a string/, 7],
    ['{"id":7,"type":"run","argv":[],"cwd":"/","env":{},"hook":null,"timeoutMs":0}', /"argv" must not be empty/, 7],
    ['{"id":7,"type":"run","argv":["/bin/true",3],"cwd":"/","env":{},"hook":null,"timeoutMs":0}', /argv\[1\] must be a string, not a number/, 7],
    ['{"id":7,"type":"run","argv":["/bin/true"],"cwd":"/","env":{"A":1},"hook":null,"timeoutMs":0}', /env\["A"\] must be a string, not a number/, 7],
    ['{"id":7,"type":"run","argv":["/bin/true"],"cwd":"/","env":{},"hook":null,"timeoutMs":-1}', /"timeoutMs" must be an integer/, 7],
    ['{"id":7,"type":"run","argv":["/bin/true"],"cwd":"/","env":{},"hook":null,"timeoutMs":1.5}', /"timeoutMs" must be an integer/, 7],
    ['{"id":7,"type":"run","argv":["/bin/tr\\u0000ue"],"cwd":"/","env":{},"hook":null,"timeoutMs":0}', /argv\[0\] contains a NUL/, 7],
    ['{"id":7,"type":"run","argv":["/bin/true"],"cwd":"/","env":{},"hook":null,"timeoutMs":0,"extra":1}', /unknown field "extra" in a run request/, 7],
    ['{"id":7,"type":"run","argv":["/bin/true"],"cwd":"/","env":{},"hook":null,"timeoutMs":0,"stdin":1}', /"stdin" must be a base64 string or null, not a number/, 7],
    ['{"id":7,"type":"run","argv":["/bin/true"],"cwd":"/","env":{},"hook":null,"timeoutMs":0,"stdin":"aGk"}', /"stdin" is not padded base64/, 7],
    ['{"id":7,"type":"run","argv":["/bin/true"],"cwd":"/","env":{},"hook":null,"timeoutMs":0,"stdin":"a=Gk"}', /"stdin" is not padded base64/, 7],
    ['{"id":7,"type":"run","argv":["/bin/true"],"cwd":"/","env":{},"hook":null,"timeoutMs":0,"stdin":"aG!k"}', /"stdin" is not padded base64/, 7],
    ['{"id":7,"type":"run","argv":["/bin/true"],"cwd":"/","env":{},"hook":null,"timeoutMs":0,"stdin":"aA==aGk="}', /"stdin" is not padded base64/, 7],
    ['{"id":7,"type":"run","argv":["/bin/true"],"cwd":"/","env":{},"hook":null,"timeoutMs":0,"stream":1}', /"stream" must be true or false, not a number/, 7],
    ['{"id":7,"type":"signal","signal":"SIGNOPE"}', /unknown signal "SIGNOPE"/, 7],
    ['{"id":7,"type":"signal","signal":9}', /"signal" must be a string, not a number/, 7],
    ['{"id":7,"type":"signal"}', /missing field "signal" in a signal request/, 7],
    ['{"id":7,"type":"launch"}', /unknown request type "launch"/, 7],
    ['{"id":7,"id":8,"type":"shutdown"}', /duplicate key "id"/, null],
    ['{"id":7,"type":"shutdown"} x', /unexpected text after the value/, null],
    ['{"id":7,"type":"run","argv":["\\ud800"]}', /lone|without its low half/, null],
    [Buffer.from('7b226964223a372c2274797065223a22ff227d', 'hex'), /invalid UTF-8/, null], // {"id":7,"type":"\xff"}
  ])('answers an error for %s and keeps serving', async (line, message, id) => {
    pmd.sendRaw(line);
    const answer = await pmd.next();
    expect(answer).toEqual({ id, type: 'error', message: expect.stringMatching(message) });
    const after = await pmd.request(runRequest(['/bin/true']));
    expect(after).toMatchObject({ type: 'result', exitCode: 0 });
  });

  test('honours cwd and gives the program exactly the env it was given, escapes decoded', async () => {
    // Written by hand so that the \u escapes (one a surrogate pair) reach pmd's reader as escapes.
    const id = nextRunId();
    pmd.sendRaw(
      `{"id":${id},"type":"run","argv":["/bin/sh","-c","pwd; /usr/bin/env"],"cwd":${JSON.stringify(scratch)},` +
        '"env":{"FOO":"caf\\u00e9 \\ud83d\\ude00 \\"q\\"\\t\\\\","EMPTY":""},"hook":null,"timeoutMs":10000}',
    );
    const answer = await pmd.next();
    expect(answer).toMatchObject({ id, type: 'result', exitCode: 0 });
    const [pwd, ...envLines] = decode(answer.stdout).toString('utf8').trimEnd().split('\n');
    expect(pwd).toBe(scratch);
    // sh adds PWD (and may add OLDPWD); everything else must be what was sent.
    const env = envLines.filter((l) => !/^(PWD|OLDPWD)=/.test(l)).sort();
    expect(env).toEqual(['EMPTY=', 'FOO=café 😀 "q"\t\\']);
  });

  test('gives empty arguments and values as empty strings, after requests that left freed strings behind', async () => {
    // Strings of a few hundred bytes, parsed and freed: the memory the next request's strings are made in.
    const long = Array.from({ length: 8 }, (_, i) => String.fromCharCode(97 + i).repeat(200));
    await pmd.request(runRequest(['/bin/true', ...long], { env: Object.fromEntries(long.map((v, i) => [`V${i}`, v])) }));
    const answer = await pmd.request(runRequest(['/usr/bin/printf', '[%s]', '', 'x', ''], { env: { A: '', B: '', PATH: '' } }));
    expect(answer).toMatchObject({ type: 'result', exitCode: 0 });
    expect(decode(answer.stdout).toString()).toBe('[][x][]');
    const env = await pmd.request(runRequest(['/usr/bin/env'], { env: { A: '', B: '' } }));
    expect(decode(env.stdout).toString()).toBe('A=\nB=\n');
  });

  test('delivers 5 MB of stdout and stderr intact', async () => {
    const data = Buffer.alloc(5 * 1000 * 1000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + (i >> 11)) & 0xff;
    const file = join(scratch, 'big');
    writeFileSync(file, data);
    const answer = await pmd.request(runRequest(['/bin/sh', '-c', `cat ${file}; cat ${file} >&2`]));
    expect(answer).toMatchObject({ type: 'result', exitCode: 0 });
    expect(decode(answer.stdout).equals(data)).toBe(true);
    expect(decode(answer.stderr).equals(data)).toBe(true);
  });

  test('gives the program the stdin the request carries, every byte of it, and /dev/null without one', async () => {
    // Every byte value, each padding of the last group, and more than a pipe holds (64 KiB).
    for (const length of [0, 1, 2, 3, 256, 300_001]) {
      const data = Buffer.alloc(length);
      for (let i = 0; i < length; i++) data[i] = (i * 131 + (i >> 8)) & 0xff;
      const answer = await pmd.request(runRequest(['/bin/cat'], { stdin: data.toString('base64') }));
      expect(answer).toMatchObject({ type: 'result', exitCode: 0 });
      expect(decode(answer.stdout).equals(data)).toBe(true);
    }
    // A file the program can seek in and stat, as with `< file`.
    const seek = await pmd.request(runRequest(['/bin/sh', '-c', 'tail -c 3; stat -L -c %s /dev/stdin'], { stdin: Buffer.from('abcdef').toString('base64') }));
    expect(decode(seek.stdout).toString()).toBe('def6\n');
    for (const extra of [{}, { stdin: null }]) {
      const none = await pmd.request(runRequest(['/bin/sh', '-c', 'wc -c; readlink /proc/self/fd/0'], extra));
      expect(decode(none.stdout).toString()).toBe('0\n/dev/null\n');
    }
  });

  test('with stream, sends the output as it comes, each piece on an output line ahead of the result, which keeps none', async () => {
    const req = runRequest(['/bin/sh', '-c', 'echo one; echo two >&2; sleep 0.3; echo three; head -c 200000 /dev/zero'], { stream: true });
    pmd.sendRaw(JSON.stringify(req));
    const lines: Answer[] = [];
    for (let answer = await pmd.next(); ; answer = await pmd.next()) {
      lines.push(answer);
      if (answer.type !== 'output') break;
    }
    const result = lines.pop()!;
    expect(result).toMatchObject({ id: req.id, type: 'result', exitCode: 0, stdout: '', stderr: '' });
    expect(result.truncated).toBeUndefined();
    expect(lines.every((l) => l.id === req.id && l.type === 'output')).toBe(true);
    const joined = (stream: string): Buffer => Buffer.concat(lines.filter((l) => l.stream === stream).map((l) => decode(l.data)));
    expect(joined('stdout')).toEqual(Buffer.concat([Buffer.from('one\nthree\n'), Buffer.alloc(200000)]));
    expect(joined('stderr').toString()).toBe('two\n');
    // "one" came on its own, before the program slept: as it was written, not at the end.
    expect(decode(lines[0].data).toString()).toBe('one\n');
  });

  test('a streamed run whose output the host does not take is still killed at its timeoutMs', async () => {
    const pidFile = join(scratch, 'pid');
    // The host reads nothing: pmd waits to hand the output over, and yes waits on its full pipe.
    pmd.child.stdout.pause();
    const req = runRequest(['/bin/sh', '-c', `echo $$ > ${pidFile}; exec yes`], { stream: true, timeoutMs: 1000 });
    pmd.sendRaw(JSON.stringify(req));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // Killed at its time, a zombie until pmd reaps it, while pmd still waits on the host; before, it
    // lived on until the host read again.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : 'gone';
    expect(stat === 'gone' || /\) Z /.test(stat)).toBe(true);
    pmd.child.stdout.resume();
    let answer = await pmd.next();
    while (answer.type === 'output') answer = await pmd.next();
    expect(answer).toMatchObject({ id: req.id, type: 'result', signal: 'SIGKILL', timedOut: true });
  });

  test('a signal request for the running run reaches its program at once; a queued run behind it is left alone', async () => {
    const a = runRequest(['/bin/sleep', '30']);
    const b = runRequest(['/bin/echo', 'after']);
    const started = Date.now();
    pmd.sendRaw(JSON.stringify(a));
    pmd.sendRaw(JSON.stringify(b));
    await new Promise((resolve) => setTimeout(resolve, 300));
    pmd.sendRaw(JSON.stringify({ id: a.id, type: 'signal', signal: 'SIGPIPE' }));
    expect(await pmd.next()).toMatchObject({ id: a.id, type: 'result', exitCode: null, signal: 'SIGPIPE', timedOut: false });
    expect(Date.now() - started).toBeLessThan(5000);
    const after = await pmd.next();
    expect(after).toMatchObject({ id: b.id, type: 'result', exitCode: 0 });
    expect(decode(after.stdout).toString()).toBe('after\n');
  });

  test('a signal request sent with its run, before pmd started it, still reaches the program', async () => {
    const a = runRequest(['/bin/sleep', '30']);
    pmd.sendRaw(`${JSON.stringify(a)}\n${JSON.stringify({ id: a.id, type: 'signal', signal: 'SIGTERM' })}`);
    expect(await pmd.next()).toMatchObject({ id: a.id, type: 'result', signal: 'SIGTERM', timedOut: false });
  });

  test("a closeOutput request closes that output's pipe: the program's next write there fails (EPIPE, SIGPIPE to the writer alone)", async () => {
    // The shell ignores SIGPIPE for yes, which then sees the error; the shell goes on and says so on stderr.
    const a = runRequest(['/bin/sh', '-c', 'trap "" PIPE; yes; echo "yes ended with $?" >&2; exit 7']);
    pmd.sendRaw(`${JSON.stringify(a)}\n${JSON.stringify({ id: a.id, type: 'closeOutput', stream: 'stdout' })}`);
    const answer = await pmd.next();
    expect(answer).toMatchObject({ id: a.id, type: 'result', exitCode: 7, signal: null, timedOut: false });
    expect(decode(answer.stderr).toString()).toBe('yes: standard output: Broken pipe\nyes ended with 1\n');
  });

  test('a closeOutput request naming no output is refused once its run has ended, and a run goes on', async () => {
    const a = runRequest(['/bin/echo', 'ok']);
    pmd.sendRaw(`${JSON.stringify(a)}\n${JSON.stringify({ id: a.id, type: 'closeOutput', stream: 'stdin' })}`);
    expect(await pmd.next()).toMatchObject({ id: a.id, type: 'result', exitCode: 0 });
    expect(await pmd.next()).toMatchObject({ id: a.id, type: 'error', message: '"stream" must be "stdout" or "stderr"' });
  });

  test('a signal request for no run is not answered, and pmd goes on', async () => {
    pmd.sendRaw(JSON.stringify({ id: 999, type: 'signal', signal: 'SIGTERM' }));
    const next = runRequest(['/bin/echo', 'still here']);
    expect(await pmd.request(next)).toMatchObject({ id: next.id, type: 'result', exitCode: 0 });
  });

  test('a program that sends its parent every signal it can lives on, and so do pmd and the run; it started with none ignored or blocked', async () => {
    // pmd ended by the first (SIGHUP): the run lost, and in the guest the VM with it.
    const script = 'for s in $(seq 1 64); do case $s in 9|19) ;; *) kill -$s $PPID;; esac; done; echo alive; exec grep "^Sig[IB]" /proc/self/status';
    const answer = await pmd.request(runRequest(['/bin/sh', '-c', script]));
    expect(answer).toMatchObject({ type: 'result', exitCode: 0, signal: null, timedOut: false });
    expect(decode(answer.stdout).toString()).toBe('alive\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
    const next = runRequest(['/bin/echo', 'still here']);
    expect(await pmd.request(next)).toMatchObject({ id: next.id, type: 'result', exitCode: 0 });
  });

  /** Input lines for run id, as the host writes them. */
  const inputLine = (id: unknown, data: string | Buffer): string => JSON.stringify({ id, type: 'input', data: Buffer.from(data).toString('base64') });
  const inputEnd = (id: unknown): string => JSON.stringify({ id, type: 'input', end: true });

  test('with stdinStream, the program reads each input line as it comes, each is answered inputTaken, and the end is its EOF', async () => {
    const req = runRequest(['/bin/sh', '-c', 'read a; echo "got $a"; cat'], { stream: true, stdinStream: true });
    pmd.sendRaw(JSON.stringify(req));
    pmd.sendRaw(inputLine(req.id, 'one\n'));
    expect(await pmd.next()).toEqual({ id: req.id, type: 'inputTaken', bytes: 4 });
    // The program answered the first line while the rest of its input had not been sent.
    const first = await pmd.next();
    expect({ type: first.type, data: decode(first.data).toString() }).toEqual({ type: 'output', data: 'got one\n' });
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i & 0xff));
    pmd.sendRaw(`${inputLine(req.id, bytes)}\n${inputEnd(req.id)}`);
    const lines: Answer[] = [];
    for (let answer = await pmd.next(); answer.type !== 'result'; answer = await pmd.next()) lines.push(answer);
    expect(lines.filter((l) => l.type === 'inputTaken')).toEqual([{ id: req.id, type: 'inputTaken', bytes: 70_000 }]);
    expect(Buffer.concat(lines.filter((l) => l.type === 'output').map((l) => decode(l.data)))).toEqual(bytes);
  });

  test('with stdinStream, input waits while the program does not read, until its stdin has no reader', async () => {
    const req = runRequest(['/bin/sleep', '0.5'], { stdinStream: true });
    const piece = Buffer.alloc(48 * 1024, 0x61);
    pmd.sendRaw(JSON.stringify(req));
    pmd.sendRaw(Array.from({ length: 12 }, () => inputLine(req.id, piece)).join('\n'));
    const taken: Answer[] = [];
    let answer = await pmd.next();
    for (; answer.type === 'inputTaken'; answer = await pmd.next()) taken.push(answer);
    expect(answer).toMatchObject({ id: req.id, type: 'result', exitCode: 0 });
    // While the program lived, pmd took a line when the pipe (64 KiB) had taken the last: two lines and
    // part of a third, not the 576 KiB sent; then, its stdin closed with it, each line was answered closed
    // (so the host reads no more for it), and any left when the run ended were dropped unanswered.
    const open = taken.filter((t) => t.closed === undefined);
    expect(open.length).toBeGreaterThan(0);
    expect(open.length).toBeLessThanOrEqual(3);
    expect(taken.slice(open.length).every((t) => t.closed === true)).toBe(true);
    const next = runRequest(['/bin/echo', 'still here']);
    expect(await pmd.request(next)).toMatchObject({ id: next.id, type: 'result', exitCode: 0 });
  });

  test('with stdinStream, input for a program that closed its stdin is taken, dropped, and answered closed', async () => {
    const req = runRequest(['/bin/sh', '-c', 'exec 0<&-; echo closed; sleep 0.5; echo done'], { stream: true, stdinStream: true });
    pmd.sendRaw(JSON.stringify(req));
    const closed = await pmd.next();
    expect(decode(closed.data).toString()).toBe('closed\n');
    pmd.sendRaw(`${inputLine(req.id, 'x')}\n${inputLine(req.id, 'y')}`);
    expect(await pmd.next()).toEqual({ id: req.id, type: 'inputTaken', bytes: 1, closed: true });
    expect(await pmd.next()).toEqual({ id: req.id, type: 'inputTaken', bytes: 1, closed: true });
    const done = await pmd.next();
    expect(decode(done.data).toString()).toBe('done\n');
    expect(await pmd.next()).toMatchObject({ id: req.id, type: 'result', exitCode: 0 });
  });

  test.each([
    ['stdin and stdinStream both', runRequest(['/bin/true'], { stdin: '', stdinStream: true }), '"stdin" and "stdinStream" cannot both be given'],
    ['stdinStream not a boolean', runRequest(['/bin/true'], { stdinStream: 1 }), '"stdinStream" must be true or false, not a number'],
    ['input with neither data nor end', { id: 41, type: 'input' }, 'an input request has either "data" or "end": true'],
    ['input with both', { id: 41, type: 'input', data: '', end: true }, 'an input request has either "data" or "end": true'],
    ['input that is not base64', { id: 41, type: 'input', data: '!!' }, '"data" is not padded base64'],
    ['input with a field pmd does not know', { id: 41, type: 'input', end: true, more: 1 }, 'unknown field "more" in an input request'],
  ])('refuses a request with %s, naming it', async (_what, req, message) => {
    expect(await pmd.request(req)).toEqual({ id: req.id, type: 'error', message });
  });

  test('input for no run is not answered, and pmd goes on', async () => {
    pmd.sendRaw(inputLine(999, 'lost'));
    pmd.sendRaw(inputEnd(999));
    const next = runRequest(['/bin/echo', 'still here']);
    expect(await pmd.request(next)).toMatchObject({ id: next.id, type: 'result', exitCode: 0 });
  });

  test('runs a program that reads none of its stdin to the end', async () => {
    const answer = await pmd.request(runRequest(['/usr/bin/head', '-c', '5'], { stdin: Buffer.alloc(1 << 20, 0x61).toString('base64') }));
    expect(answer).toMatchObject({ type: 'result', exitCode: 0, signal: null });
    expect(decode(answer.stdout).toString()).toBe('aaaaa');
  });

  test('cuts stdout at 16 MiB and says so', async () => {
    const answer = await pmd.request(runRequest(['/bin/sh', '-c', 'head -c 17000000 /dev/zero; echo done >&2']));
    expect(answer).toMatchObject({ type: 'result', exitCode: 0, truncated: true });
    const out = decode(answer.stdout);
    expect(out.length).toBe(16 * 1024 * 1024);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(decode(answer.stderr).toString()).toBe('done\n');
  });

  test('refuses a hooked run without /dev/pmm, naming it', async () => {
    expect(existsSync('/dev/pmm')).toBe(false); // this host has no pmm.ko; the guest tests cover it
    const req = runRequest(['/bin/true'], { hook: '/bin/sh' });
    const answer = await pmd.request(req);
    expect(answer).toEqual({ id: req.id, type: 'error', message: expect.stringContaining('/dev/pmm') });
  });

  test('answers bye to shutdown and exits 0', async () => {
    expect(await pmd.request({ id: 42, type: 'shutdown' })).toEqual({ id: 42, type: 'bye' });
    expect(await pmd.exited).toBe(0);
  });

  test('exits non-zero when the host closes the channel', async () => {
    pmd.child.stdin.end();
    expect(await pmd.exited).not.toBe(0);
    expect(pmd.stderr).toMatch(/closed the channel/);
  });
});

describe('pmd serve --root', () => {
  const asRoot = process.getuid?.() === 0 ? test : test.skip; // chroot needs root

  asRoot('chroots before running, so paths are the root\'s', async () => {
    // An empty root: the program's /dev/null is the first path that must be missing there.
    const root = mkdtempSync(join(tmpdir(), 'pmd-root-'));
    const pmd = new Pmd(['serve', '--stdio', '--root', root]);
    try {
      expect(await pmd.next()).toMatchObject({ type: 'ready', pmmLoaded: false });
      expect(await pmd.request(runRequest(['/bin/sh', '-c', 'true']))).toMatchObject({
        type: 'error', message: 'starting /bin/sh: open /dev/null: No such file or directory',
        cannotStart: { step: 'stdin', errno: constants.errno.ENOENT },
      });
      // With /dev/null there, the program itself is what the root lacks.
      execFileSync('mknod', ['-m', '666', join(root, 'null'), 'c', '1', '3']);
      execFileSync('mkdir', [join(root, 'dev')]);
      execFileSync('mv', [join(root, 'null'), join(root, 'dev', 'null')]);
      expect(await pmd.request(runRequest(['/bin/sh', '-c', 'true']))).toMatchObject({
        type: 'error', message: 'execve /bin/sh: No such file or directory',
      });
    } finally {
      pmd.kill();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('pmd daemon commands', () => {
  test.each([['config'], ['pids'], ['logs', '1'], ['start', '1'], ['stop', '1']])(
    'pmd %s fails naming /dev/pmm when the module is not loaded',
    (...args: string[]) => {
      expect(existsSync('/dev/pmm')).toBe(false);
      const r = spawnSync(pmdPath, args, { encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/^pmd: open \/dev\/pmm: No such file or directory/);
      expect(r.stdout).toBe('');
    },
  );

  test.each([[['start', 'abc']], [['logs']], [['frobnicate']], [[]]])('rejects bad arguments %j', (args) => {
    const r = spawnSync(pmdPath, args, { encoding: 'utf8' });
    expect(r.status).toBe(2 - (args[0] === 'start' ? 1 : 0));
    expect(r.stderr).toMatch(/^pmd: |^usage: /);
  });

  // strtol takes leading blanks and a sign; a pid written so is a typo, not a pid.
  test.each([' 5', '+5', '5 ', '05x', ''])('pmd stop %j is not a pid', (arg) => {
    const r = spawnSync(pmdPath, ['stop', arg], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`pmd: not a pid: "${arg}"\n`);
  });
});
