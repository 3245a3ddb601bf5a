// Recognises pmm's leak data on a test's failureDetails. The data crossed from a Jest worker as JSON, so its
// shape is checked rather than trusted: a malformed one is reported as an ordinary failure.

import type {LeakFailureDetail} from '../harness/types';

export function isLeakFailureDetail(detail: unknown): detail is LeakFailureDetail {
  if (typeof detail !== 'object' || detail === null) return false;
  const {name, pmmLeak} = detail as {name?: unknown; pmmLeak?: unknown};
  if (name !== 'MemoryLeak' || typeof pmmLeak !== 'object' || pmmLeak === null) return false;
  const {program, summary, leaks} = pmmLeak as {program?: unknown; summary?: unknown; leaks?: unknown};
  if (typeof program !== 'string' || !Array.isArray(leaks)) return false;
  if (typeof summary !== 'object' || summary === null) return false;
  const {bytes, blocks} = summary as {bytes?: unknown; blocks?: unknown};
  return Number.isSafeInteger(bytes) && Number.isSafeInteger(blocks) && leaks.every(isLeak);
}

function isLeak(leak: unknown): boolean {
  if (typeof leak !== 'object' || leak === null) return false;
  const {bytes, blocks, kinds, frames} = leak as Record<string, unknown>;
  return Number.isSafeInteger(bytes) && Number.isSafeInteger(blocks) && Array.isArray(kinds) && Array.isArray(frames) && frames.every(isFrame);
}

function isFrame(frame: unknown): boolean {
  if (typeof frame !== 'object' || frame === null) return false;
  const {address, function: fn, file, line, object} = frame as Record<string, unknown>;
  const textOrNull = (value: unknown): boolean => value === null || typeof value === 'string';
  return typeof address === 'string' && textOrNull(fn) && textOrNull(file) && textOrNull(object) && (line === null || typeof line === 'number');
}
