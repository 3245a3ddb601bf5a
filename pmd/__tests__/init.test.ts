// pmd as pid 1, which it is in the guest (qemu/guest/init execs it) so that a program's kill(-1, SIGKILL)
// cannot end it. Here it is pid 1 of a pid namespace of its own (unshare, as root), with its own /proc, where
// it must do what an init does: reap the orphans handed to it, and end by powering off rather than exiting.
// That a program's kill -9 -1 leaves pmd serving, and that a run's leftovers do not reach the next run, is
// shown in the VM itself too (qemu/__tests__/Vm.vm.test.ts).
import { execFileSync, spawnSync } from 'child_process';
import { decode, Pmd, pmdDir, pmdPath, runRequest } from './pmdServe';

const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
const asPid1 = canUnshare ? test : test.skip;

// The zombies under the namespace's /proc, as "pid comm"; awk's own process is alive, so never listed.
const ZOMBIES = ['/bin/sh', '-c', 'awk \'$3 == "Z" { print $1, $2 }\' /proc/[0-9]*/stat'];

function pmdAsPid1(): Pmd {
  return new Pmd(['--pid', '--fork', '--mount-proc', pmdPath, 'serve', '--stdio'], 'unshare');
}

/** How unshare, and so pmd under it, ended: the signal's name, or the exit status. */
function endOf(pmd: Pmd): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve) => pmd.child.once('exit', (code, signal) => resolve(signal ?? code)));
}

beforeAll(() => {
  execFileSync('make', ['-C', pmdDir], { stdio: 'pipe' });
}, 120000);

describe('pmd as pid 1', () => {
  let pmd: Pmd;

  beforeEach(async () => {
    pmd = pmdAsPid1();
    expect(await pmd.next()).toMatchObject({ type: 'ready' });
  });

  afterEach(() => pmd.kill());

  asPid1('reaps the orphans of a run while the run goes on', async () => {
    // The subshell exits at once, and its true, orphaned, exits into pmd's hands: a zombie until reaped.
    const script = `(/bin/true &); sleep 2; ${ZOMBIES[2]}`;
    const answer = await pmd.request(runRequest(['/bin/sh', '-c', script]));
    expect(answer).toMatchObject({ type: 'result', exitCode: 0 });
    expect(decode(answer.stdout).toString()).toBe('');
  });

  asPid1('ends and reaps what a run left running before it answers: the next run finds pmd alone', async () => {
    // setsid takes each sleep out of the program's group, which pmd ends with the program: they outlive it,
    // one of them stopped, one with a child of its own.
    const script = 'setsid /bin/sleep 100 & setsid /bin/sh -c "kill -STOP \\$\\$" & setsid /bin/sh -c "/bin/sleep 100; :" & sleep 0.5; exit 0';
    const first = await pmd.request(runRequest(['/bin/sh', '-c', script]));
    expect(first).toMatchObject({ type: 'result', exitCode: 0 });
    const next = await pmd.request(runRequest(['/bin/sh', '-c', 'cat /proc/[0-9]*/comm']));
    expect(next).toMatchObject({ type: 'result', exitCode: 0 });
    // Besides pmd, only the listing itself: its shell, unless the shell exec()ed cat.
    const others = decode(next.stdout).toString().split('\n').filter((comm) => comm !== '' && comm !== 'sh' && comm !== 'cat');
    expect(others).toEqual(['pmd']);
  });

  asPid1("a program's 'fault' signals sent to pmd end nothing: only a fault of pmd's own is one", async () => {
    // pid 1 takes the signals it has a handler for, and pmd has one for each fault (the test below).
    const script = 'for s in ABRT BUS FPE ILL SEGV SYS TRAP; do kill -$s $PPID; done; echo sent';
    const sent = await pmd.request(runRequest(['/bin/sh', '-c', script]));
    expect(sent).toMatchObject({ type: 'result', exitCode: 0 });
    expect(decode(sent.stdout).toString()).toBe('sent\n');
    expect(await pmd.request(runRequest(['/bin/echo', 'still here']))).toMatchObject({ type: 'result', exitCode: 0 });
    expect(pmd.stderr).toBe('');
  });

  asPid1('a SIGSEGV whose sender claims to be pmd itself (sigqueue lets it say any pid) is no fault of its own', async () => {
    const forge = [
      'import ctypes, struct',
      'info = bytearray(128)',
      'struct.pack_into("iii", info, 0, 11, 0, -1)  # SIGSEGV, errno 0, SI_QUEUE',
      'struct.pack_into("ii", info, 16, 1, 0)  # si_pid 1 (pmd), si_uid 0',
      'libc = ctypes.CDLL(None, use_errno=True)',
      'print(libc.syscall(129, 1, 11, (ctypes.c_char * 128).from_buffer(info)))  # rt_sigqueueinfo',
    ].join('\n');
    const sent = await pmd.request(runRequest(['/usr/bin/python3', '-c', forge]));
    expect(decode(sent.stdout).toString()).toBe('0\n');
    expect(await pmd.request(runRequest(['/bin/echo', 'still here']))).toMatchObject({ type: 'result', exitCode: 0 });
    expect(pmd.stderr).toBe('');
  });

  (canUnshare ? test.each : test.skip.each)(['SIGSEGV', 'SIGABRT'] as const)('the same signal from outside its namespace (%s) is no fault of its own either', async (signal) => {
    const inner = Number(execFileSync('pgrep', ['-P', String(pmd.child.pid)], { encoding: 'utf8' }).trim());
    process.kill(inner, signal);
    expect(await pmd.request(runRequest(['/bin/echo', 'still here']))).toMatchObject({ type: 'result', exitCode: 0 });
    expect(pmd.stderr).toBe('');
  });

  asPid1('powers off at its end, as pid 1 must, saying how it ended on the console', async () => {
    const ended = endOf(pmd);
    pmd.child.stdin.end();
    // A pid namespace's init that calls reboot(RB_POWER_OFF) ends by SIGINT, which unshare passes on;
    // had pmd simply exited, unshare would exit with its status, 1.
    expect(await ended).toBe('SIGINT');
    expect(pmd.stderr).toContain('pmd: the host closed the channel\npmm-guest: pmd exited with status 1\n');
  });
});

describe('pmd as pid 1, faults of its own', () => {
  asPid1("a fault of its own (abort() when out of memory) powers off, naming the signal, where killing pid 1 would panic the kernel", async () => {
    // A limit on its address space, and a request line larger than it can hold.
    const pmd = new Pmd(['--as=64000000', 'unshare', '--pid', '--fork', '--mount-proc', pmdPath, 'serve', '--stdio'], 'prlimit');
    try {
      expect(await pmd.next()).toMatchObject({ type: 'ready' });
      const ended = endOf(pmd);
      // pmd is gone before it has read it all: the rest of the write fails (EPIPE), as it should.
      pmd.child.stdin.on('error', () => {});
      pmd.sendRaw(`{"id":1,"type":"run","argv":["${'a'.repeat(60_000_000)}"]}`);
      // As at its end (above): powered off, which ends a pid namespace's init by SIGINT.
      expect(await ended).toBe('SIGINT');
      expect(pmd.stderr).toBe('pmd: out of memory\npmm-guest: pmd died of SIGABRT\n');
    } finally {
      pmd.kill();
    }
  });

  asPid1('a stack overflow powers off, naming the signal: the handler has a stack of its own', async () => {
    // A stack limit that lets pmd start, but not read a run's output (run.c's 64 KiB chunk).
    const pmd = new Pmd(['--stack=64000', 'unshare', '--pid', '--fork', '--mount-proc', pmdPath, 'serve', '--stdio'], 'prlimit');
    try {
      expect(await pmd.next()).toMatchObject({ type: 'ready' });
      const ended = endOf(pmd);
      pmd.sendRaw(JSON.stringify(runRequest(['/bin/echo', 'hi'])));
      // Had the handler run on the overflowed stack, the kernel would have killed pmd by SIGSEGV.
      expect(await ended).toBe('SIGINT');
      expect(pmd.stderr).toBe('pmm-guest: pmd died of SIGSEGV\n');
    } finally {
      pmd.kill();
    }
  });
});
