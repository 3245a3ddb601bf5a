import { chooseAccel, type KvmFacts } from '../kvmProbe';
import type { GuestFiles } from '../types';

const files = {} as GuestFiles;

/**
 * The machine as chooseAccel sees it: /dev/kvm usable or not, this boot's kept verdict (null: none), and
 * what a probe would find (null: the guest booted; a string: why not). A fact given as undefined must not
 * be asked for. probes() counts the probes made.
 */
function machine(accessible: boolean | undefined, cached: boolean | null | undefined, probe: string | null | undefined): KvmFacts & { probes: () => number } {
  let probes = 0;
  return {
    accessible: () => {
      if (accessible === undefined) throw new Error('/dev/kvm looked at');
      return accessible;
    },
    cached: () => {
      if (cached === undefined) throw new Error('verdict read');
      return cached;
    },
    probe: async () => {
      probes += 1;
      if (probe === undefined) throw new Error('probe run');
      return probe;
    },
    probes: () => probes,
  };
}

const HANGS = 'it did not boot within 15 s';

test('"tcg" needs neither /dev/kvm nor a probe', async () => {
  await expect(chooseAccel(files, 'tcg', machine(undefined, undefined, undefined))).resolves.toBe('tcg');
});

test('"auto" uses KVM only when a probe guest boots under it, probing once per host boot, and without /dev/kvm not at all', async () => {
  await expect(chooseAccel(files, 'auto', machine(true, null, null))).resolves.toBe('kvm');
  await expect(chooseAccel(files, 'auto', machine(true, null, HANGS))).resolves.toBe('tcg');
  const kept = machine(true, false, undefined);
  await expect(chooseAccel(files, 'auto', kept)).resolves.toBe('tcg');
  await expect(chooseAccel(files, 'auto', machine(true, true, undefined))).resolves.toBe('kvm');
  await expect(chooseAccel(files, 'auto', machine(false, undefined, undefined))).resolves.toBe('tcg');
});

test('"kvm" is probed too: where KVM hangs a guest it fails with why and what to use instead, not after the boot timeout', async () => {
  // Before, "kvm" booted the VM under KVM unprobed: here that waited out the two-minute boot timeout.
  const hangs = machine(true, null, HANGS);
  await expect(chooseAccel(files, 'kvm', hangs)).rejects.toThrow(
    /^accel "kvm": a probe guest under KVM failed \(it did not boot within 15 s\), though \/dev\/kvm is there: accel "auto" \(the default\) falls back to TCG, "tcg" does without KVM$/,
  );
  expect(hangs.probes()).toBe(1);
  await expect(chooseAccel(files, 'kvm', machine(true, null, null))).resolves.toBe('kvm');
  await expect(chooseAccel(files, 'kvm', machine(true, true, undefined))).resolves.toBe('kvm');
});

test('"kvm" probes again where this boot\'s probe failed (a loaded machine may have been slow), and says what the probe met', async () => {
  const again = machine(true, false, null);
  await expect(chooseAccel(files, 'kvm', again)).resolves.toBe('kvm');
  expect(again.probes()).toBe(1);
  await expect(chooseAccel(files, 'kvm', machine(true, false, 'QEMU exited with status 1: failed to initialize kvm'))).rejects.toThrow(
    /^accel "kvm": a probe guest under KVM failed \(QEMU exited with status 1: failed to initialize kvm\)/,
  );
});

test('"kvm" without a usable /dev/kvm says so before any guest boots', async () => {
  const none = machine(false, undefined, undefined);
  await expect(chooseAccel(files, 'kvm', none)).rejects.toThrow(/^accel "kvm": \/dev\/kvm cannot be opened for reading and writing by this user/);
  expect(none.probes()).toBe(0);
});
