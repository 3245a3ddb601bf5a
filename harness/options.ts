// pmm's options: their defaults, the environment variables that override them, and their validation.
// Jest users set them under testEnvironmentOptions.pmm (or a file's @jest-environment-options docblock);
// the CLI sets them from its flags.
import { fs, path } from './coreModules';
import { PMM_MAX_FRAMES } from '../hooklib/host/recordStream';
import type { AccelChoice } from '../qemu/kvmProbe';
import type { LeakSummary } from './types';
import { shownValue } from './shownValue';

/** A figure left out is not limited: there is no number to show for it in pmm.options. */
export type LeakThreshold = Partial<LeakSummary>;

export interface PmmOptions {
  /** 'auto' probes KVM and falls back to TCG. */
  accel: AccelChoice;
  /** A guest kernel image to boot instead of the one set-up fetched; pmm.ko must be built for it. */
  kernel: string | null;
  memoryMiB: number;
  cpus: number;
  bootTimeoutMs: number;
  /** A program still running after this is killed; 0 means no limit. */
  runTimeoutMs: number;
  /** Extra environment variables for the programs. */
  env: Record<string, string>;
  /** Frames kept per allocation (the hook's PMM_STACK_DEPTH); null keeps the hook's default. */
  stackDepth: number | null;
  /** Suppression files: leaks whose stacks they match are not failures. */
  suppressions: string[];
  /** Leaked bytes and blocks a run may have: its test fails when it leaks more bytes OR more blocks. */
  leakThreshold: LeakThreshold;
  /** Whether the leaks of the processes a program forks count for its test. */
  followChildren: boolean;
  /** Host folders shared writable with the guest (at the same path), on top of the read-only root and /tmp. */
  shares: string[];
}

export const DEFAULT_OPTIONS: PmmOptions = {
  accel: 'auto',
  kernel: null,
  memoryMiB: 1024,
  cpus: 1,
  // Under TCG a boot takes a few seconds; a loaded CI machine can take many times that.
  bootTimeoutMs: 120_000,
  runTimeoutMs: 60_000,
  env: {},
  stackDepth: null,
  suppressions: [],
  leakThreshold: { bytes: 0, blocks: 0 },
  followChildren: true,
  shares: [],
};

/** Environment variables that override the defaults (and are overridden by explicit options). */
export const ENV_OVERRIDES: Record<string, keyof PmmOptions> = {
  PMM_ACCEL: 'accel',
  PMM_KERNEL: 'kernel',
  PMM_MEMORY_MIB: 'memoryMiB',
  PMM_CPUS: 'cpus',
  PMM_BOOT_TIMEOUT_MS: 'bootTimeoutMs',
  PMM_RUN_TIMEOUT_MS: 'runTimeoutMs',
  PMM_SHARES: 'shares', // folders separated by colons, as in PATH
};

/**
 * The longest time limit pmm takes, in ms (about 23 days). Node's timers hold at most 2^31-1 ms (24.8
 * days) and fire at once past that, and the VM's watch on a run allows 30 s more than its limit.
 */
export const MAX_TIMEOUT_MS = 2_000_000_000;

/** Why ms cannot be a time limit, or null: words that follow the option's name. */
export function timeLimitProblem(ms: number): string | null {
  return ms > MAX_TIMEOUT_MS ? `must be at most ${MAX_TIMEOUT_MS} ms (about 23 days: Node's timers reach no further), got ${ms}` : null;
}

export class PmmOptionsError extends Error {
  constructor(message: string) {
    super(`pmm: ${message}`);
    this.name = 'PmmOptionsError';
  }
}

/**
 * The least guest memory pmm boots with. Measured with the Debian 6.1 kernel under TCG: 88 MiB booted and
 * ran a program, 72 and 80 did not boot (72: "Kernel panic - not syncing: System is deadlocked on memory"),
 * and at 64 and below the guest printed nothing, so the boot waited out bootTimeoutMs.
 */
export const MIN_MEMORY_MIB = 128;

/** A number option: a number in the options (a string there is ill-typed), decimal digits in a variable. */
function integer(name: string, value: unknown, allowZero = false): number {
  const n = value instanceof VariableText && /^\s*\d+\s*$/.test(value.text) ? Number(value.text) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || (!allowZero && n === 0)) {
    const shown = value instanceof VariableText ? value.text : value;
    throw new PmmOptionsError(`option "${name}" must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${shownValue(shown)}`);
  }
  return n;
}

function plainObject(name: string, value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PmmOptionsError(`option "${name}" must be ${what}, got ${shownValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Where the paths of options are read from. The guest sees host paths as they are, so pmm passes on
 * absolute ones; a relative one is the project's (Jest's rootDir: a docblock or a shared configuration
 * cannot know where the repository is checked out), or, in a variable, the current directory's, as a shell's.
 * `<rootDir>/...` is Jest's spelling of the first, which its users write in their configurations.
 */
interface PathBase {
  /** What relative paths are resolved against. */
  relativeTo: string;
  /** The Jest project's root, which `<rootDir>` names. */
  rootDir: string;
}

const ROOT_DIR_TOKEN = '<rootDir>';

/** A path option's item as an absolute path. */
function hostPath(name: string, value: unknown, base: PathBase, what = 'a path'): string {
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    throw new PmmOptionsError(`option "${name}" must be ${what} (absolute, relative to the project's rootDir, or ${ROOT_DIR_TOKEN}/...), got ${shownValue(value)}`);
  }
  if (value === ROOT_DIR_TOKEN || value.startsWith(`${ROOT_DIR_TOKEN}/`)) return path.join(base.rootDir, value.slice(ROOT_DIR_TOKEN.length));
  return path.resolve(base.relativeTo, value);
}

function hostPaths(name: string, value: unknown, base: PathBase): string[] {
  if (!Array.isArray(value)) throw new PmmOptionsError(`option "${name}" must be an array of paths, got ${shownValue(value)}`);
  return value.map((item: unknown, i) => hostPath(`${name}[${i}]`, item, base));
}

function isFolder(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** An environment variable's text, which a number option reads as decimal digits. */
class VariableText {
  constructor(readonly text: string) {}
}

/** A variable's text as the option's value: the list variables split at their colons, numbers as text. */
function fromVariable(name: keyof PmmOptions, text: string): unknown {
  if (name === 'shares') return text.split(':').filter((dir) => dir !== '');
  return typeof DEFAULT_OPTIONS[name] === 'number' ? new VariableText(text) : text;
}

/**
 * An "env" option (the environment's, or a run's): names an environment can hold (not empty, no `=`, no
 * NUL) and string values without NUL. fail makes the error, in the caller's kind.
 */
export function checkEnvironment(env: unknown, fail: (message: string) => Error): void {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw fail(`option "env" must be an object of strings, got ${shownValue(env)}`);
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== 'string') throw fail(`option "env.${name}" must be a string, got ${shownValue(value)}`);
    if (value.includes('\0')) throw fail(`option "env.${name}" holds a NUL character, which an environment cannot hold: ${shownValue(value)}`);
    if (name === '' || name.includes('=') || name.includes('\0')) {
      throw fail(`option "env" has a variable named ${JSON.stringify(name)}, which an environment cannot hold (empty, or with = or NUL)`);
    }
  }
}

/**
 * Why a folder cannot be shared with the guest, or null: QEMU's -fsdev separates its fields by commas,
 * and the guest's init splits the list on colons and blanks; one that is not a folder QEMU would refuse
 * at boot, in words about its -fsdev.
 */
export function shareProblem(dir: string): string | null {
  if (/[\s,:]/.test(dir)) return 'must not hold spaces, commas or colons';
  return isFolder(dir) ? null : 'must be an existing folder';
}

function validateOne(name: string, value: unknown, base: PathBase): PmmOptions[keyof PmmOptions] {
  switch (name) {
    case 'accel':
      if (value !== 'auto' && value !== 'kvm' && value !== 'tcg') {
        throw new PmmOptionsError(`option "accel" must be "auto", "kvm" or "tcg", got ${shownValue(value)}`);
      }
      return value;
    case 'kernel':
      return value === null ? null : hostPath(name, value, base, 'the path of a kernel image');
    case 'memoryMiB': {
      const mib = integer(name, value);
      if (mib < MIN_MEMORY_MIB) {
        throw new PmmOptionsError(
          `option "memoryMiB" must be at least ${MIN_MEMORY_MIB}, got ${mib}: the guest's kernel needs about 90 ` +
            'MiB to boot (in less it panics, or shows nothing until bootTimeoutMs)',
        );
      }
      return mib;
    }
    case 'cpus':
      return integer(name, value);
    case 'bootTimeoutMs':
    case 'runTimeoutMs': {
      const ms = integer(name, value, name === 'runTimeoutMs');
      const problem = timeLimitProblem(ms);
      if (problem !== null) throw new PmmOptionsError(`option "${name}" ${problem}`);
      return ms;
    }
    case 'stackDepth': {
      // 0: no stacks, the cheapest recording; the hook keeps at most PMM_MAX_FRAMES.
      if (value === null) return null;
      const depth = integer(name, value, true);
      if (depth > PMM_MAX_FRAMES) throw new PmmOptionsError(`option "stackDepth" must be at most ${PMM_MAX_FRAMES} (the frames the hook keeps), got ${shownValue(value)}`);
      return depth;
    }
    case 'env':
      checkEnvironment(value, (message) => new PmmOptionsError(message));
      return { ...(value as Record<string, string>) };
    case 'suppressions':
      return hostPaths(name, value, base);
    case 'shares': {
      const shares = hostPaths(name, value, base);
      shares.forEach((dir, i) => {
        const problem = shareProblem(dir);
        if (problem !== null) throw new PmmOptionsError(`option "shares[${i}]" ${problem}, got ${shownValue(dir)}`);
      });
      return shares;
    }
    case 'leakThreshold': {
      const given = plainObject(name, value, 'an object like {"bytes": 0, "blocks": 0}');
      // A figure left out is not limited: {"bytes": 1000} allows up to 1000 bytes in any number of blocks.
      const threshold: LeakThreshold = {};
      for (const [k, v] of Object.entries(given)) {
        if (k !== 'bytes' && k !== 'blocks') throw new PmmOptionsError(`unknown option "leakThreshold.${k}"; known: bytes, blocks`);
        threshold[k] = integer(`leakThreshold.${k}`, v, true);
      }
      return threshold;
    }
    case 'followChildren':
      if (typeof value !== 'boolean') throw new PmmOptionsError(`option "followChildren" must be true or false, got ${shownValue(value)}`);
      return value;
    default:
      throw new PmmOptionsError(`unknown option "${name}"; known options: ${Object.keys(DEFAULT_OPTIONS).join(', ')}`);
  }
}

/**
 * pmm's options out of a test environment's (testEnvironmentOptions with a file's docblock merged in): those
 * under key. Jest's own options sit beside it (customExportConditions...), but one of pmm's there was never
 * read, and would silently do nothing: refused, with where it goes.
 */
export function optionsUnder(key: string, environmentOptions: Record<string, unknown>): unknown {
  const misplaced = Object.keys(environmentOptions).filter((name) => Object.hasOwn(DEFAULT_OPTIONS, name));
  if (misplaced.length === 0) return environmentOptions[key];
  const names = misplaced.map((name) => JSON.stringify(name)).join(', ');
  const moved = JSON.stringify({ [key]: Object.fromEntries(misplaced.map((name) => [name, environmentOptions[name]])) });
  throw new PmmOptionsError(
    `${misplaced.length === 1 ? 'option' : 'options'} ${names} must be under the "${key}" key of testEnvironmentOptions ` +
      `(or of @jest-environment-options), where pmm reads its options: ${moved}`,
  );
}

/**
 * Defaults, then environment variables, then the given options; every value checked. rootDir: the Jest
 * project's, against which the given options' relative paths are read (the variables' against the current
 * directory).
 */
export function resolveOptions(given: unknown, environment: NodeJS.ProcessEnv = process.env, rootDir = process.cwd()): PmmOptions {
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new PmmOptionsError(`options must be an object, got ${shownValue(given)}`);
  }
  const merged: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (const [variable, name] of Object.entries(ENV_OVERRIDES)) {
    const value = environment[variable];
    if (value === undefined || value === '') continue;
    try {
      merged[name] = validateOne(name, fromVariable(name, value), { relativeTo: process.cwd(), rootDir });
    } catch (err) {
      // The variable is what the user set: the message names it.
      if (err instanceof PmmOptionsError) throw new PmmOptionsError(`${variable}=${JSON.stringify(value)}: ${err.message.replace(/^pmm: /, '')}`);
      throw err;
    }
  }
  for (const [name, value] of Object.entries((given ?? {}) as Record<string, unknown>)) {
    merged[name] = validateOne(name, value, { relativeTo: rootDir, rootDir });
  }
  return merged as unknown as PmmOptions;
}
