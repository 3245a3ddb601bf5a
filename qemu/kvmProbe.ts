// Decides between KVM and TCG. /dev/kvm can exist and still hang a guest at boot, so KVM is trusted only
// after a probe guest has booted under it within a short timeout; the verdict is cached for this host boot.
import { childProcess, fs, path } from '../harness/coreModules';
import { cacheDir } from './paths';
import { bootArgs, machineArgs } from './qemuArgs';
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

/** Boots the guest under KVM until its init says it is alive, or gives up after timeoutMs. */
export function probeKvm(files: GuestFiles, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  const args = [
    ...machineArgs('kvm', 256, 1),
    ...bootArgs({ files, shareTmp: false }, ['pmm_probe=1']),
    '-serial', 'stdio', '-monitor', 'none',
  ];
  return new Promise((resolve) => {
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = '';
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      seen = (seen + chunk.toString('latin1')).slice(-4096);
      if (seen.includes(PROBE_OK)) finish(true);
    });
    child.on('error', () => finish(false));
    child.on('exit', () => finish(seen.includes(PROBE_OK)));
  });
}

/** What chooseAccel asks of the machine: a seam for its tests. */
export interface KvmFacts {
  /** Whether /dev/kvm can be opened for reading and writing. */
  accessible: () => boolean;
  /** Whether a probe guest boots under KVM: this boot's verdict, cached, or a probe's. */
  boots: (files: GuestFiles) => Promise<boolean>;
}

/** The probe's verdict for this host boot: cached, or probed once and cached. */
async function probedVerdict(files: GuestFiles): Promise<boolean> {
  const verdictFile = path.join(cacheDir(), 'kvm-probe.json');
  const id = bootId();
  try {
    const cached = JSON.parse(fs.readFileSync(verdictFile, 'utf8')) as { bootId: string; kvm: boolean };
    if (cached.bootId === id) return cached.kvm;
  } catch {
    // no verdict yet for this boot
  }
  const kvm = await probeKvm(files);
  fs.mkdirSync(path.dirname(verdictFile), { recursive: true });
  fs.writeFileSync(verdictFile, JSON.stringify({ bootId: id, kvm }));
  return kvm;
}

const machineFacts: KvmFacts = { accessible: kvmAccessible, boots: probedVerdict };

/**
 * The accelerator a VM boots with. "kvm" asked for is probed too: on a machine where KVM hangs a guest,
 * the VM itself waited out its whole boot timeout (two minutes) before saying so; now the probe's 15 s,
 * once per host boot, and an error that says what to use instead.
 */
export async function chooseAccel(files: GuestFiles, choice: AccelChoice, facts: KvmFacts = machineFacts): Promise<Accel> {
  if (choice === 'tcg') return 'tcg';
  if (!facts.accessible()) {
    if (choice === 'auto') return 'tcg';
    throw new Error('accel "kvm": /dev/kvm cannot be opened for reading and writing by this user (no KVM here, or not in its group): accel "auto" (the default) or "tcg" does without it');
  }
  const kvm = await facts.boots(files);
  if (!kvm && choice === 'kvm') {
    throw new Error(
      `accel "kvm": a probe guest did not boot under KVM within ${PROBE_TIMEOUT_MS / 1000} s on this machine (since it last booted), though /dev/kvm is there: ` +
        'accel "auto" (the default) falls back to TCG, "tcg" does without KVM',
    );
  }
  return kvm ? 'kvm' : 'tcg';
}
