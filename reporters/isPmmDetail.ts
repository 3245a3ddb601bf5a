// Recognises pmm's fault, growth, mismatch and exit status data on a test's failureDetails. Like leak data, it crossed from a Jest
// worker as JSON, so its shape is checked rather than trusted. A fault thrown by pmm.run (PmmFaultError)
// arrives without its message, which only the failure message then carries.

import type {ExitStatusFailureDetail, FaultFailureDetail, FaultKind, GrowthFailureDetail, MismatchFailureDetail} from '../harness/types';

const FAULT_KINDS: ReadonlySet<FaultKind> = new Set(['crash', 'killed', 'timeout', 'kernel-panic', 'vm-failure', 'boot-failure']);

export type FaultData = FaultFailureDetail['pmmFault'];

/** The fault data a detail carries, whether it is a plain detail or a thrown PmmFaultError. */
export function faultData(detail: unknown): FaultData | null {
  if (typeof detail !== 'object' || detail === null) return null;
  const fault = (detail as {pmmFault?: unknown}).pmmFault;
  if (typeof fault !== 'object' || fault === null) return null;
  const {kind, program, signal, summary} = fault as Record<string, unknown>;
  if (typeof kind !== 'string' || !FAULT_KINDS.has(kind as FaultKind) || typeof program !== 'string') return null;
  if (signal !== null && typeof signal !== 'string') return null;
  if (typeof summary !== 'object' || summary === null) return null;
  const {bytes, blocks} = summary as Record<string, unknown>;
  if (!Number.isSafeInteger(bytes) || !Number.isSafeInteger(blocks)) return null;
  return fault as FaultData;
}

export function isGrowthDetail(detail: unknown): detail is GrowthFailureDetail {
  if (typeof detail !== 'object' || detail === null) return false;
  const {name, message, pmmGrowth} = detail as Record<string, unknown>;
  if (name !== 'MemoryGrowth' || typeof message !== 'string' || typeof pmmGrowth !== 'object' || pmmGrowth === null) return false;
  const {growing, series} = pmmGrowth as Record<string, unknown>;
  return (growing === true || growing === false || growing === null) && Array.isArray(series);
}

/** A detail for mismatched releases; its text (stack) is what the report shows, so that is what is checked. */
export function isMismatchDetail(detail: unknown): detail is MismatchFailureDetail {
  if (typeof detail !== 'object' || detail === null) return false;
  const {name, message, stack, pmmMismatch} = detail as Record<string, unknown>;
  if (name !== 'MismatchedFree' || typeof message !== 'string' || typeof stack !== 'string') return false;
  if (typeof pmmMismatch !== 'object' || pmmMismatch === null) return false;
  const {mismatchedFrees, mismatches} = pmmMismatch as Record<string, unknown>;
  return Number.isSafeInteger(mismatchedFrees) && Array.isArray(mismatches);
}

/** A program's non-zero exit (pmm run --junit); its text (stack) is what the report shows. */
export function isExitStatusDetail(detail: unknown): detail is ExitStatusFailureDetail {
  if (typeof detail !== 'object' || detail === null) return false;
  const {name, message, stack, pmmExit} = detail as Record<string, unknown>;
  if (name !== 'ExitStatus' || typeof message !== 'string' || typeof stack !== 'string') return false;
  if (typeof pmmExit !== 'object' || pmmExit === null) return false;
  const {program, status} = pmmExit as Record<string, unknown>;
  return typeof program === 'string' && Number.isSafeInteger(status) && status !== 0;
}
