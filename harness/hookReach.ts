// Whether the hook can be in a program at all. libpmm.so reaches a program through LD_PRELOAD, which only
// the dynamic loader of a 64-bit program honours: a statically linked program has no loader, and a 32-bit
// one cannot load a 64-bit library. Such a program would run unhooked and look leak-free, so pmm refuses
// it, saying why, before running it; and a run whose program never started the hook (no object map came
// back: a set-user-ID program, for which the loader ignores LD_PRELOAD, or one that failed before main) is
// an error, not a clean result.
import { fs, path } from './coreModules';
import { execImage, mainObjectPath } from '../symbolizer/objectMap';
import { forkedChildName } from './childName';
import { faultOfRun, programFaultWords } from './faults';
import { RING_STALL_SECONDS, STRAY_WRITES, UNFINISHED_RECORD } from '../hooklib/host/ringFile';
import { ownAllocatorReason } from './ownAllocator';
import { endingWords } from './signalNames';
import type { RawRun } from './runProgram';
import { stderrTail } from './stderrTail';
import type { ChildResult } from './types';

const PT_INTERP = 3;
const EM_X86_64 = 62;
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;

/** Where the program headers are, from an ELF header (little-endian, 32- or 64-bit). */
function programHeaders(header: Buffer): { offset: number; size: number; count: number } {
  if (header[4] === ELFCLASS64) {
    return { offset: Number(header.readBigUInt64LE(32)), size: header.readUInt16LE(54), count: header.readUInt16LE(56) };
  }
  return { offset: header.readUInt32LE(28), size: header.readUInt16LE(42), count: header.readUInt16LE(44) };
}

/**
 * Why a program with these bytes cannot take the hook, or null when it can (or when it is not an ELF
 * file: a script's interpreter decides). read(offset, length) gives bytes of the file.
 */
export function unhookableReason(read: (offset: number, length: number) => Buffer): string | null {
  const header = read(0, 64);
  if (header.length < 52 || header.readUInt32BE(0) !== 0x7f454c46) return null;
  if (header[5] !== ELFDATA2LSB) return 'it is a big-endian program, and the hook is built for this machine';
  if (header[4] === ELFCLASS32) return 'it is a 32-bit program, and the hook (libpmm.so) is a 64-bit library';
  if (header[4] !== ELFCLASS64 || header.length < 64) return null;
  const machine = header.readUInt16LE(18);
  if (process.arch === 'x64' && machine !== EM_X86_64) return `it is built for another machine (ELF e_machine ${machine})`;
  const type = header.readUInt16LE(16);
  if (type !== 2 && type !== 3) return null; // not an executable: let the run say what it is
  const { offset, size, count } = programHeaders(header);
  if (size < 4 || count === 0) return null;
  const table = read(offset, size * count);
  let dynamic = false;
  for (let i = 0; (i + 1) * size <= table.length; i++) {
    if (table.readUInt32LE(i * size) === PT_INTERP) dynamic = true;
  }
  if (!dynamic) return 'it is statically linked: there is no dynamic loader to preload the hook (LD_PRELOAD) into it';
  return ownAllocatorReason(read);
}

/** unhookableReason of a file on this machine; null when it can take the hook or cannot be read. */
function fileReason(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null; // missing or unreadable here: the run will say so
  }
  try {
    return unhookableReason((offset, length) => {
      // Up to 64 MiB: a large program's dynamic symbol table is read whole.
      const buf = Buffer.alloc(Math.min(length, 64 << 20));
      return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, offset));
    });
  } finally {
    fs.closeSync(fd);
  }
}

/** The interpreter a `#!` script names (its first word), or null for a file that is none. */
function scriptInterpreter(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    // The kernel reads at most this much of the line.
    const head = Buffer.alloc(256);
    const text = head.subarray(0, fs.readSync(fd, head, 0, head.length, 0)).toString('latin1');
    return /^#![ \t]*(\/[^\s]+)/.exec(text)?.[1] ?? null;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads the file; throws (the ProgramError the caller gives) when the program cannot take the hook. The
 * dynamic loader run as a program (ld-linux-x86-64.so.2 PROGRAM) has no loader of its own, yet it is the
 * one that preloads the hook into the program it runs. A `#!` script is its interpreter's to judge (as
 * the kernel does, through at most 4 scripts): one whose interpreter is statically linked ran unhooked.
 */
export function checkHookable(file: string, fail: (message: string) => Error): void {
  let target = file;
  for (let depth = 0; depth < 4; depth++) {
    const interpreter = scriptInterpreter(target);
    if (interpreter === null) break;
    target = interpreter;
  }
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    return; // missing or unreadable here: the run will say so
  }
  if (/^ld-linux[^/]*\.so(\.\d+)*$|^ld\.so/.test(path.basename(real))) return;
  const reason = fileReason(target);
  if (reason === null) return;
  const what = target === file ? reason : `it is a script whose interpreter ${target} cannot take the hook (${reason})`;
  throw fail(`cannot run ${file} under the hook: ${what}, so its allocations could not be seen`);
}

/**
 * Why an image a process exec()ed did not take the hook, as its file here tells: a reason; 'hookable' when
 * its bytes and mode are those of a program the hook enters (then it ended before the hook started, or its
 * file has capabilities, which Node cannot read); null when the file cannot be read here.
 */
function imageReason(file: string): string | 'hookable' | null {
  try {
    if (fs.statSync(file).mode & 0o6000) return 'it is set-user-ID or set-group-ID, and the loader then ignores LD_PRELOAD';
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    return null;
  }
  return fileReason(file) ?? 'hookable';
}

const UNHOOKABLE = 'statically linked, set-user-ID, or with an allocator of its own';
// Said of an image whose file looks like one the hook enters: the commonest such end is a library the loader
// cannot find. A file with capabilities (setcap) makes the loader ignore LD_PRELOAD, unless root runs it.
const ENDED_FIRST =
  'the hook never started in it: it ended first (a program that fails before main, as one the loader cannot start, never loads the hook), ' +
  'or its file has capabilities (setcap), for which the loader ignores LD_PRELOAD as for a set-user-ID program';

/** "a program the hook cannot enter", named and with the reason when the hook named the image (execImage). */
function unhookedImage(image: string | null): string {
  const reason = image === null ? null : imageReason(image);
  if (reason === 'hookable') return `${image}, and ${ENDED_FIRST}`;
  if (image === null) return `a program the hook cannot enter (${UNHOOKABLE})`;
  return `${image}, which the hook cannot enter (${reason ?? UNHOOKABLE})`;
}

/**
 * What pmm says of a forked child that exec()ed a program the hook cannot enter, or one that ended before
 * the hook started in it. It does not fail the run (a test that runs, say, ping through a shell would always
 * fail), but it must not go unsaid. The child's program is that image when the hook could name it
 * (execImage), and then its file says why.
 */
export function unhookedChildMessage(program: string, child: Pick<ChildResult, 'pid' | 'program' | 'noDevice'>): string {
  if (child.noDevice) {
    return `pmm: ${program}: ${forkedChildName(child)} ran unrecorded: the hook in it could not reach pmm.ko, for the ` +
      'program had closed its descriptor of /dev/pmm (closefrom, a loop closing every descriptor) and none could be opened ' +
      'again (a chroot, or RLIMIT_NOFILE); what it allocated was not seen';
  }
  const reason = child.program === null ? null : imageReason(child.program);
  const why = reason === 'hookable' ? `a program, and ${ENDED_FIRST};`
    : reason === null ? `a program the hook cannot enter (${UNHOOKABLE}):` : `a program the hook cannot enter: ${reason};`;
  return `pmm: ${program}: ${forkedChildName(child)} exec()ed ${why} what it allocated after that exec was not seen`;
}

/**
 * After a run under the hook: its program's process sent its object map when the hook started. Without
 * one the hook never ran in it, and "no leaks" would be a guess. A run whose time limit ended it before
 * then (--timeout 0.001) timed out, which is its fault: its result says that nothing was recorded. So
 * does one that a signal ended then which reached it through pmm or its process group (reached: a Ctrl-C
 * just after `pmm run`), whose program is none of those the hook cannot enter.
 */
export function checkHookStarted(raw: RawRun, fail: (message: string) => Error, reached?: (signal: string) => boolean): void {
  const { program, exitCode, signal, stderr } = raw.result;
  if (raw.unhooked) {
    // How that image ended is said too: a crash there is the run's news as much as the missing figures.
    const fault = faultOfRun(raw.result);
    const ended = fault !== null ? `; it ${programFaultWords(fault, raw.result)}` : exitCode ? `; it exited with status ${exitCode}` : '';
    throw fail(`${program} exec()ed ${unhookedImage(execImage(raw.maps))}, so what it allocated after that exec was not seen${ended}`);
  }
  if (raw.maps !== '') return;
  if (raw.result.timedOut) {
    raw.result.timedOutBeforeHook = true;
    return;
  }
  if (signal !== null && reached?.(signal) === true) {
    raw.result.signalledBeforeHook = true;
    return;
  }
  const how = endingWords(exitCode, signal);
  const tail = stderrTail(stderr, 3).join('\n');
  throw fail(
    `the hook never started in ${program} (it ${how}), so its allocations were not seen: a set-user-ID or ` +
      `set-group-ID program, or one with file capabilities, ignores LD_PRELOAD, a program that fails before main never loads it, and the hook ` +
      `stays out of one with an allocator of its own (one that defines malloc itself)` +
      (tail ? `; its stderr ends:\n${tail}` : ''),
  );
}

/**
 * After a run under the hook in the VM: a process whose hook stopped recording before it ended (its ring
 * could not be drained: a seccomp filter of the program's denies the ioctl and msync calls that drain it,
 * or the program wrote over the ring, which pmm.ko then refuses) has records that are neither what it left
 * allocated nor a bound on it (its later frees went unseen too). The run is an error, as host mode's is
 * when its hook cannot write its records.
 */
export function checkRecordedToTheEnd(raw: RawRun, fail: (message: string) => Error): void {
  const { program } = raw.result;
  const child = (raw.children ?? []).find((c) => c.stopped === true);
  if (raw.stopped !== true && child === undefined) return;
  const who = child === undefined ? program : `${program}'s ${forkedChildName({ pid: child.pid, program: mainObjectPath(child.maps) })}`;
  const why = (child ?? raw).overwritten === true
    ? "the hook's record ring was found in a state that no writer leaves (an entry no writer makes, or one that " +
      `the hook waited on for ${RING_STALL_SECONDS} s and was never written): the program wrote over it (${STRAY_WRITES}, ` +
      "where the program's own memory is not), or " +
      `${UNFINISHED_RECORD}, and pmm.ko applied nothing more of it`
    : 'it could not hand its records to pmm.ko (a seccomp filter of the program\'s that denies ioctl and msync ' +
      "does that; so would a stray write over the ring's header)";
  // A timeout is said too: "no leaks up to then" would claim figures that are not known.
  const timedOut = raw.result.timedOut ? `${program} passed its timeout and was killed, and ` : '';
  throw fail(`${timedOut}the hook stopped recording in ${who} before it ended: ${why}, so what it allocated is not known`);
}
