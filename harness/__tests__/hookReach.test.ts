// A program the hook cannot reach is refused, with the reason, rather than reported leak-free: the ELF
// checks on real and on made-up headers, and the check after a run that no object map came back from.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkHookable, checkHookStarted, unhookableReason, unhookedChildMessage } from '../hookReach';
import type { RawRun } from '../runProgram';

const fromBuffer = (bytes: Buffer) => (offset: number, length: number): Buffer => bytes.subarray(offset, offset + length);
const fail = (message: string): Error => new Error(message);

/** The first bytes of an ELF header: class (1: 32-bit, 2: 64-bit), data (1: little-endian), machine. */
function elfHeader(elfClass: number, data: number, machine: number): Buffer {
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = elfClass;
  header[5] = data;
  header.writeUInt16LE(2, 16); // ET_EXEC
  header.writeUInt16LE(machine, 18);
  return header;
}

describe('unhookableReason', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-hookreach-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const reasonFor = (file: string): string | null => unhookableReason(fromBuffer(fs.readFileSync(file)));

  it('takes a dynamically linked program, PIE or not', () => {
    const source = path.join(dir, 'p.c');
    fs.writeFileSync(source, 'int main(void) { return 0; }\n');
    for (const flags of [['-pie', '-fPIE'], ['-no-pie']]) {
      const binary = path.join(dir, `dynamic${flags[0]}`);
      execFileSync('gcc', [...flags, '-o', binary, source]);
      expect(reasonFor(binary)).toBeNull();
    }
    expect(reasonFor('/bin/true')).toBeNull();
  });

  it('refuses a statically linked program', () => {
    const source = path.join(dir, 's.c');
    const binary = path.join(dir, 'static');
    fs.writeFileSync(source, '#include <stdlib.h>\nint main(void) { return malloc(10) == 0; }\n');
    execFileSync('gcc', ['-static', '-o', binary, source]);
    expect(reasonFor(binary)).toMatch(/statically linked/);
    expect(() => checkHookable(binary, fail)).toThrow(`cannot run ${binary} under the hook: it is statically linked`);
    // A script it interprets, directly or through another script, is refused too: it ran unhooked, and
    // only afterwards did the run say that the hook never started (set-user-ID, ...).
    const script = path.join(dir, 'script');
    const outer = path.join(dir, 'outer');
    fs.writeFileSync(script, `#!${binary} -x\n`, { mode: 0o755 });
    fs.writeFileSync(outer, `#! ${script}\n`, { mode: 0o755 });
    for (const file of [script, outer]) {
      expect(() => checkHookable(file, fail)).toThrow(`cannot run ${file} under the hook: it is a script whose interpreter ${binary} cannot take the hook (it is statically linked`);
    }
    expect(() => checkHookable(path.join(dir, 'nothing'), fail)).not.toThrow();
    fs.writeFileSync(path.join(dir, 'shell'), '#!/bin/sh\nexit 0\n');
    expect(() => checkHookable(path.join(dir, 'shell'), fail)).not.toThrow();
  });

  it.each<[string, Buffer, RegExp | null]>([
    ['a 32-bit program', elfHeader(1, 1, 3), /32-bit program/],
    ['a big-endian program', elfHeader(2, 2, 62), /big-endian/],
    ['a program for another machine', elfHeader(2, 1, 183), /another machine \(ELF e_machine 183\)/],
    ['a script (its interpreter decides)', Buffer.from('#!/bin/sh\nexit 0\n'), null],
    ['an empty file', Buffer.alloc(0), null],
  ])('on %s', (_what, bytes, reason) => {
    const got = unhookableReason(fromBuffer(bytes));
    if (reason === null) expect(got).toBeNull();
    else expect(got).toMatch(reason);
  });

  it('takes the dynamic loader run as a program: it preloads the hook into the program it runs', () => {
    const loader = fs.realpathSync('/lib64/ld-linux-x86-64.so.2');
    expect(reasonFor(loader)).toMatch(/statically linked/); // by its headers alone
    expect(() => checkHookable('/lib64/ld-linux-x86-64.so.2', fail)).not.toThrow();
  });

  it('leaves a file it cannot read to the run', () => {
    expect(() => checkHookable(path.join(dir, 'missing'), fail)).not.toThrow();
  });
});

describe('checkHookStarted', () => {
  const run = (maps: string, stderr: string, exitCode: number | null, signal: string | null, timedOut = false): RawRun => ({
    result: { program: '/usr/bin/prog', args: [], exitCode, signal, timedOut, stdout: '', stderr },
    records: [],
    mismatches: [],
    mismatchedFrees: 0,
    maps,
  });

  it('passes a run whose program sent its object map', () => {
    expect(() => checkHookStarted(run('55d0-55d1 r-xp 0 08:01 1 /usr/bin/prog\n', '', 0, null), fail)).not.toThrow();
  });

  it('refuses one that sent none, with how it ended and the end of its stderr', () => {
    const stderr = 'one\ntwo\nthree\nprog: error while loading shared libraries: libx.so: cannot open shared object file\n';
    expect(() => checkHookStarted(run('', stderr, 127, null), fail)).toThrow(
      /^the hook never started in \/usr\/bin\/prog \(it exited with status 127\), so its allocations were not seen: .*set-user-ID.*; its stderr ends:\ntwo\nthree\nprog: error while loading shared libraries/s,
    );
    expect(() => checkHookStarted(run('', '', null, 'SIGKILL'), fail)).toThrow(/\(it was killed by SIGKILL\)[^;]*$/);
  });

  it('quotes a few KiB of a stderr of megabytes without a newline, cut where "…" says', () => {
    let message = '';
    try {
      checkHookStarted(run('', `${'x'.repeat(10 << 20)}no hook here\n`, 1, null), fail);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/; its stderr ends:\n…x+no hook here$/);
    expect(message.length).toBeLessThan(5000);
  });

  it('leaves one that a signal which reached it through pmm ended before the hook started to say so, marked as recording nothing', () => {
    const reached = (signal: string): boolean => signal === 'SIGTERM';
    const signalled = run('', '', null, 'SIGTERM');
    expect(() => checkHookStarted(signalled, fail, reached)).not.toThrow();
    expect(signalled.result.signalledBeforeHook).toBe(true);
    // A signal that did not come through pmm: the program may be one the hook cannot enter, killed later.
    expect(() => checkHookStarted(run('', '', null, 'SIGKILL'), fail, reached)).toThrow(/set-user-ID/);
    expect(() => checkHookStarted(run('', '', null, 'SIGTERM'), fail)).toThrow(/set-user-ID/);
    const started = run('/usr/bin/prog\n', '', null, 'SIGTERM');
    checkHookStarted(started, fail, reached);
    expect(started.result.signalledBeforeHook).toBeUndefined();
  });

  it('leaves one its time limit ended before the hook started to say it timed out (it was said to be set-user-ID or the like), marked as recording nothing', () => {
    const timedOut = run('', '', null, 'SIGKILL', true);
    expect(() => checkHookStarted(timedOut, fail)).not.toThrow();
    expect(timedOut.result.timedOutBeforeHook).toBe(true);
    // Once the hook had started, a timeout is an ordinary one.
    const started = run('/usr/bin/prog\n', '', null, 'SIGKILL', true);
    checkHookStarted(started, fail);
    expect(started.result.timedOutBeforeHook).toBeUndefined();
  });
});

describe('what is said of an exec-ed image the hook did not start in', () => {
  let dir: string;
  let staticProgram: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-hookreach-image-'));
    const source = path.join(dir, 'p.c');
    fs.writeFileSync(source, 'int main(void) { return 0; }\n');
    staticProgram = path.join(dir, 'static');
    execFileSync('gcc', ['-static', '-o', staticProgram, source]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // A program the hook enters ended first (a library the loader could not find): it was said to be statically
  // linked, set-user-ID or with an allocator of its own.
  it('a child: why its file keeps the hook out, or that the hook never started in one it enters', () => {
    expect(unhookedChildMessage('/bin/sh', { pid: 7, program: staticProgram })).toMatch(/exec\(\)ed a program the hook cannot enter: it is statically linked/);
    const ended = unhookedChildMessage('/bin/sh', { pid: 7, program: '/bin/true' });
    expect(ended).toMatch(/^pmm: \/bin\/sh: forked child 7 \(\/bin\/true\) exec\(\)ed a program, and the hook never started in it: it ended first \(a program that fails before main, as one the loader cannot start, never loads the hook\), or its file has capabilities/);
    expect(ended).not.toContain('statically linked');
    // A file that is not here: nothing to tell from.
    expect(unhookedChildMessage('/bin/sh', { pid: 7, program: path.join(dir, 'gone') })).toContain('a program the hook cannot enter (statically linked, set-user-ID, or with an allocator of its own)');
  });

  it('the program itself, which exec-ed it', () => {
    const raw = (image: string): RawRun => ({
      result: { program: '/usr/bin/prog', args: [], exitCode: 127, signal: null, timedOut: false, stdout: '', stderr: '' },
      records: [],
      mismatches: [],
      mismatchedFrees: 0,
      maps: `55d0-55d1 r-xp 0 08:01 1 /usr/bin/prog\nexec ${image}\n`,
      unhooked: true,
    });
    expect(() => checkHookStarted(raw('/bin/true'), fail)).toThrow(/^\/usr\/bin\/prog exec\(\)ed \/bin\/true, and the hook never started in it: it ended first .*; it exited with status 127$/);
    expect(() => checkHookStarted(raw(staticProgram), fail)).toThrow(/exec\(\)ed \S+, which the hook cannot enter \(it is statically linked/);
  });
});
