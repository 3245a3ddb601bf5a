// One VM per process (per Jest worker): booted ahead of a file's tests (prebootSharedVm) or on first use,
// reused by later runs and test files, and booted anew when the previous one died (a guest panic ends
// that VM, not the rest of the suite).
import { fs, os, path, workerThreads } from './coreModules';
import { pruneConsoleLogs } from '../qemu/consoleLog';
import { privateDir } from '../qemu/privateDir';
import { chooseAccel } from '../qemu/kvmProbe';
import { loadGuestFiles } from '../qemu/paths';
import { Vm } from '../qemu/Vm';
import type { PmmOptions } from './options';

/** unseen: a boot that failed before any run asked for it (preboot's); the next run gets its error. */
let current: { key: string; vm: Promise<Vm>; unseenFailure?: boolean } | null = null;
let boots = 0;
let orphanWatch = false;
const ORPHAN_CHECK_MS = 250;

/**
 * A Jest worker whose parent was killed (a CI job's timeout, a SIGKILL) is orphaned: its IPC channel
 * closes, nobody will read its results, and a test hanging in the VM would keep it and its QEMU running
 * forever. It exits then, at once, and the exit kills its VM (qemu/Vm.ts): a graceful close waits for a
 * VM still booting to be up first, which under load took longer than a CI runner waits. QEMU's
 * parent-death signal covers the rest.
 */
function watchForOrphaning(): void {
  if (orphanWatch || typeof process.send !== 'function') return;
  orphanWatch = true;
  // A timer that keeps nothing alive, not a 'disconnect' listener: that holds the IPC channel, and a worker
  // done with its tests could not exit (Jest killed each one after 500 ms and said that "a worker process
  // has failed to exit gracefully" in every -w 2 run that booted a VM).
  setInterval(() => {
    if (!process.connected) process.exit(1);
  }, ORPHAN_CHECK_MS).unref();
}

export type Notice = (message: string) => void;

function vmKey(options: PmmOptions): string {
  return JSON.stringify([options.accel, options.kernel, options.memoryMiB, options.cpus, options.bootTimeoutMs, options.shares]);
}

/**
 * The VMs' console logs: $TMPDIR/pmm-logs, or pmm-logs-UID for a user other than root, whose VMs would
 * find root's folder closed to them.
 */
function consoleLogDir(): string {
  const uid = process.getuid?.() ?? 0;
  return path.join(os.tmpdir(), uid === 0 ? 'pmm-logs' : `pmm-logs-${uid}`);
}

/** Makes what a VM keeps under TMPDIR; a folder that is missing or closed is said in a user's words. */
function underTmp<T>(what: string, make: () => T): T {
  try {
    return make();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'this user may not write there' : (err as Error).message;
    throw new Error(`the VM keeps its files under ${os.tmpdir()} (TMPDIR), where it cannot ${what}: ${why}; point TMPDIR at a writable folder`);
  }
}

async function bootVm(options: PmmOptions, notice: Notice): Promise<Vm> {
  const guest = loadGuestFiles();
  // Another kernel needs a pmm.ko built for it; a mismatch shows as insmod's error with the console excerpt.
  const files = options.kernel === null ? guest : { ...guest, kernel: options.kernel };
  const accel = await chooseAccel(files, options.accel);
  boots += 1;
  const logDir = consoleLogDir();
  const runDir = underTmp('make a folder', () => Vm.makeRunDir());
  try {
    underTmp("use its console logs' folder", () => privateDir(logDir));
  } catch (err) {
    // Refused: no run folder is left behind.
    fs.rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
  // A worker thread's (Jest's workerThreads) has its thread's number too: the threads of one process count their boots apart.
  const consoleLog = path.join(logDir, `console-${process.pid}${workerThreads.threadId ? `-t${workerThreads.threadId}` : ''}-${boots}.log`);
  if (boots === 1) pruneConsoleLogs(logDir);
  notice(
    `pmm: booting the guest VM (kernel ${options.kernel ?? files.kernelVersion}, ${accel.toUpperCase()}${accel === 'tcg' ? ', no KVM: a few seconds' : ''}); console: ${consoleLog}`,
  );
  return Vm.boot({
    files,
    accel,
    memoryMiB: options.memoryMiB,
    cpus: options.cpus,
    bootTimeoutMs: options.bootTimeoutMs,
    consoleLog,
    runDir,
    shareTmp: true,
    shares: options.shares,
  });
}

/** The process's VM, ready to run programs. */
export async function sharedVm(options: PmmOptions, notice: Notice): Promise<Vm> {
  const key = vmKey(options);
  if (current?.unseenFailure && current.key === key) {
    // The pre-boot's failure is this run's: one boot attempt per run, as without it.
    const failed = current.vm;
    current = null;
    return failed;
  }
  if (current) {
    const vm = await current.vm.catch(() => null);
    if (vm && vm.state === 'ready' && current.key === key) return vm;
    if (vm) await vm.close();
    current = null;
  }
  watchForOrphaning();
  const vm = bootVm(options, notice);
  current = { key, vm };
  return vm;
}

/**
 * Boots the VM these options want, if it is not up, before a test file's first test and before each
 * test after one that lost the VM: a test's timeout then never includes the boot (nor the KVM probe). A boot that fails is
 * reported by the next run that needs the VM, as its own error.
 */
export async function prebootSharedVm(options: PmmOptions, notice: Notice): Promise<void> {
  // A boot that failed and is not reported yet stays for the run that needs the VM: no second boot.
  if (current?.unseenFailure && current.key === vmKey(options)) return;
  try {
    await sharedVm(options, notice);
  } catch {
    if (current && current.key === vmKey(options)) current.unseenFailure = true;
  }
}

export async function closeSharedVm(): Promise<void> {
  const vm = current ? await current.vm.catch(() => null) : null;
  current = null;
  if (vm) await vm.close();
}
