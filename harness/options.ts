// pmm's options: their defaults, the environment variables that override them, and their validation.
// Jest users set them under testEnvironmentOptions.pmm; the CLI sets them from its flags.
import type { AccelChoice } from '../qemu/kvmProbe';

export interface PmmOptions {
  /** 'auto' probes KVM and falls back to TCG. */
  accel: AccelChoice;
  memoryMiB: number;
  cpus: number;
  bootTimeoutMs: number;
  /** A program still running after this is killed; 0 means no limit. */
  runTimeoutMs: number;
  /** Extra environment variables for the programs. */
  env: Record<string, string>;
}

export const DEFAULT_OPTIONS: PmmOptions = {
  accel: 'auto',
  memoryMiB: 1024,
  cpus: 1,
  // Under TCG a boot takes a few seconds; a loaded CI machine can take many times that.
  bootTimeoutMs: 120_000,
  runTimeoutMs: 60_000,
  env: {},
};

/** Environment variables that override the defaults (and are overridden by explicit options). */
export const ENV_OVERRIDES: Record<string, keyof PmmOptions> = {
  PMM_ACCEL: 'accel',
  PMM_MEMORY_MIB: 'memoryMiB',
  PMM_CPUS: 'cpus',
  PMM_BOOT_TIMEOUT_MS: 'bootTimeoutMs',
  PMM_RUN_TIMEOUT_MS: 'runTimeoutMs',
};

export class PmmOptionsError extends Error {
  constructor(message: string) {
    super(`pmm: ${message}`);
    this.name = 'PmmOptionsError';
  }
}

function positiveInteger(name: string, value: unknown, allowZero = false): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || (!allowZero && n === 0)) {
    throw new PmmOptionsError(`option "${name}" must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

function validateOne(name: string, value: unknown): PmmOptions[keyof PmmOptions] {
  switch (name) {
    case 'accel':
      if (value !== 'auto' && value !== 'kvm' && value !== 'tcg') {
        throw new PmmOptionsError(`option "accel" must be "auto", "kvm" or "tcg", got ${JSON.stringify(value)}`);
      }
      return value;
    case 'memoryMiB':
      return positiveInteger(name, value);
    case 'cpus':
      return positiveInteger(name, value);
    case 'bootTimeoutMs':
      return positiveInteger(name, value);
    case 'runTimeoutMs':
      return positiveInteger(name, value, true);
    case 'env': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new PmmOptionsError(`option "env" must be an object of strings, got ${JSON.stringify(value)}`);
      }
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new PmmOptionsError(`option "env.${k}" must be a string, got ${JSON.stringify(v)}`);
      }
      return value as Record<string, string>;
    }
    default:
      throw new PmmOptionsError(`unknown option "${name}"; known options: ${Object.keys(DEFAULT_OPTIONS).join(', ')}`);
  }
}

/** Defaults, then environment variables, then the given options; every value checked. */
export function resolveOptions(given: unknown, environment: NodeJS.ProcessEnv = process.env): PmmOptions {
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new PmmOptionsError(`options must be an object, got ${JSON.stringify(given)}`);
  }
  const merged: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (const [variable, name] of Object.entries(ENV_OVERRIDES)) {
    const value = environment[variable];
    if (value !== undefined && value !== '') merged[name] = validateOne(name, value);
  }
  for (const [name, value] of Object.entries((given ?? {}) as Record<string, unknown>)) {
    merged[name] = validateOne(name, value);
  }
  return merged as unknown as PmmOptions;
}
