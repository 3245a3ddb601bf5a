// Decides between KVM and TCG. /dev/kvm can exist and still hang a guest at boot, so KVM is trusted only
// after a probe guest has booted under it within a short timeout; the verdict is cached for this host boot.
import { childProcess, fs, path } from '../harness/coreModules';
import { cacheDir } from './paths';
import { bootArgs, machineArgs } from './qemuArgs';
import { qemuCommand, qemuEnded } from './Vm';
import type { Accel, GuestFiles } from './types';

const { spawn } = childProcess;

export const PROBE_TIMEOUT_MS = 15_000;
const PROBE_OK = 'pmm-guest: probe ok';

export type AccelChoice = Accel | 'auto';

function kvmAccessible(): boolean {
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function bootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Boots the guest under KVM until its init says it is alive, or gives up after timeoutMs: null when it
 * booted, else why not. QEMU dies with pmm (setpriv's parent-death signal, as the VM's): a pmm ended by a
 * signal during the probe left it spinning.
 */
export function probeKvm(files: GuestFiles, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | null> {
  const { command, args } = qemuCommand([
    ...machineArgs('kvm', 256, 1),
    ...bootArgs({ files, shareTmp: false }, ['pmm_probe=1']),
    '-serial', 'stdio', '-monitor', 'none',
  ]);
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    let stderr = '';
    let done = false;
    const finish = (why: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(why);
    };
    const timer = setTimeout(() => finish(`it did not boot within ${timeoutMs / 1000} s`), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      seen = (seen + chunk.toString('latin1')).slice(-4096);
      if (seen.includes(PROBE_OK)) finish(null);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-1024);
    });
    child.on('error', (err) => finish(`QEMU could not be started: ${err.message}`));
    child.on('exit', (code, signal) =>
      finish(seen.includes(PROBE_OK) ? null : qemuEnded(code, signal, stderr)));
  });
}

/** What chooseAccel asks of the machine: a seam for its tests. */
export interface KvmFacts {
  /** Whether /dev/kvm can be opened for reading and writing. */
  accessible: () => boolean;
  /** This host boot's verdict, when one was kept: true when a probe guest booted under KVM. */
  cached: () => boolean | null;
  /** Probes (probeKvm) and keeps the verdict for this host boot: null when the guest booted, else why not. */
  probe: (files: GuestFiles) => Promise<string | null>;
}

function verdictFile(): string {
  return path.join(cacheDir(), 'kvm-probe.json');
}

function cachedVerdict(): boolean | null {
  try {
    const cached = JSON.parse(fs.readFileSync(verdictFile(), 'utf8')) as { bootId: string; kvm: boolean };
    return cached.bootId === bootId() ? cached.kvm : null;
  } catch {
    return null; // no verdict yet for this boot
  }
}

async function probeAndKeep(files: GuestFiles): Promise<string | null> {
  const why = await probeKvm(files);
  try {
    fs.mkdirSync(path.dirname(verdictFile()), { recursive: true });
    fs.writeFileSync(verdictFile(), JSON.stringify({ bootId: bootId(), kvm: why === null }));
  } catch {
    // A cache that cannot be written: the next run probes again.
  }
  return why;
}

const machineFacts: KvmFacts = { accessible: kvmAccessible, cached: cachedVerdict, probe: probeAndKeep };

/**
 * The accelerator a VM boots with. "auto" trusts KVM once a probe guest booted under it this host boot,
 * and falls back to TCG. "kvm" asked for is probed too, unless a probe booted already: on a machine where
 * KVM hangs a guest, the VM itself waited out its whole boot timeout (two minutes) before saying so; now
 * the probe's 15 s, and an error that says why and what to use instead. A failed probe is not kept from
 * "kvm" (a loaded machine may have been slow): it probes again.
 */
export async function chooseAccel(files: GuestFiles, choice: AccelChoice, facts: KvmFacts = machineFacts): Promise<Accel> {
  if (choice === 'tcg') return 'tcg';
  if (!facts.accessible()) {
    if (choice === 'auto') return 'tcg';
    throw new Error('accel "kvm": /dev/kvm cannot be opened for reading and writing by this user (no KVM here, or not in its group): accel "auto" (the default) or "tcg" does without it');
  }
  const cached = facts.cached();
  if (cached === true || (cached === false && choice === 'auto')) return cached ? 'kvm' : 'tcg';
  const why = await facts.probe(files);
  if (why !== null && choice === 'kvm') {
    throw new Error(
      `accel "kvm": a probe guest under KVM failed (${why}), though /dev/kvm is there: ` +
        'accel "auto" (the default) falls back to TCG, "tcg" does without KVM',
    );
  }
  return why === null ? 'kvm' : 'tcg';
}
