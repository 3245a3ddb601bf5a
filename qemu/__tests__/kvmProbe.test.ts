import { chooseAccel, type KvmFacts } from '../kvmProbe';
import type { GuestFiles } from '../types';

const files = {} as GuestFiles;

/** Facts that record whether a probe was asked for; a fact not given is one that must not be asked. */
function facts(accessible: boolean | null, boots: boolean | null): KvmFacts & { probed: () => boolean } {
  let probed = false;
  return {
    accessible: () => {
      if (accessible === null) throw new Error('/dev/kvm looked at');
      return accessible;
    },
    boots: async () => {
      probed = true;
      if (boots === null) throw new Error('probe run');
      return boots;
    },
    probed: () => probed,
  };
}

test('"tcg" needs neither /dev/kvm nor a probe', async () => {
  await expect(chooseAccel(files, 'tcg', facts(null, null))).resolves.toBe('tcg');
});

test('"auto" uses KVM only when a probe guest boots under it, and without /dev/kvm does not probe', async () => {
  await expect(chooseAccel(files, 'auto', facts(true, true))).resolves.toBe('kvm');
  await expect(chooseAccel(files, 'auto', facts(true, false))).resolves.toBe('tcg');
  const none = facts(false, null);
  await expect(chooseAccel(files, 'auto', none)).resolves.toBe('tcg');
  expect(none.probed()).toBe(false);
});

test('"kvm" is probed too: where KVM hangs a guest it fails with what to use instead, not after the boot timeout', async () => {
  // Before, "kvm" booted the VM under KVM unprobed: here that waited out the two-minute boot timeout.
  const hangs = facts(true, false);
  await expect(chooseAccel(files, 'kvm', hangs)).rejects.toThrow(
    /^accel "kvm": a probe guest did not boot under KVM within 15 s on this machine .*"auto" \(the default\) falls back to TCG, "tcg" does without KVM$/,
  );
  expect(hangs.probed()).toBe(true);
  await expect(chooseAccel(files, 'kvm', facts(true, true))).resolves.toBe('kvm');
});

test('"kvm" without a usable /dev/kvm says so before any guest boots', async () => {
  const none = facts(false, null);
  await expect(chooseAccel(files, 'kvm', none)).rejects.toThrow(/^accel "kvm": \/dev\/kvm cannot be opened for reading and writing by this user/);
  expect(none.probed()).toBe(false);
});
