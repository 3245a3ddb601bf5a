// What a program run under the hook finds in its environment unless the run says otherwise, in both
// modes, as under valgrind (which sets the same): libstdc++'s pool allocators (__gnu_cxx::__pool_alloc,
// __mt_alloc) then take each block from operator new and give it back when it is freed, rather than keep
// it in a pool for the process's life, where it would be shown as still in use at exit. As under
// valgrind, it is in the environment the run starts with; an image given one of its own (`env -i`) has
// it only if given it, unlike the hook's own settings (hooklib/pmm_exec.c).
const HOOKED_DEFAULTS: Readonly<Record<string, string>> = { GLIBCXX_FORCE_NEW: '1' };

/** env with the hooked run's defaults added where it has no value of its own. */
export function withHookedDefaults<T extends Record<string, string | undefined>>(env: T): T {
  const out: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(HOOKED_DEFAULTS)) {
    if (out[name] === undefined) out[name] = value;
  }
  return out as T;
}

/**
 * The hook's own settings, which a program's environment may give it (hooklib/README.md, Environment), and
 * the values it takes: any other it read as its default without a word (PMM_STACK_DEPTH=20 as 16, "abc" as
 * 16, PMM_STACK_UNWIND=cfi as the cached rules), where --num-callers 17 is refused.
 */
const HOOK_SETTINGS: ReadonlyArray<{ name: string; takes: (value: string) => boolean; what: string }> = [
  { name: 'PMM_STACK_DEPTH', takes: (v) => /^\d{1,2}$/.test(v) && Number(v) <= 16, what: 'a number of frames from 0 to 16' },
  { name: 'PMM_STACK_UNWIND', takes: (v) => v === '' || v === 'fp' || v === 'backtrace', what: '"fp" or "backtrace" (unset: the cached CFI rules)' },
  { name: 'PMM_HOOKS_ACTIVE', takes: (v) => v === '0' || v === '1', what: '0 (recording off at start) or 1' },
  { name: 'PMM_LIBC_FREERES', takes: (v) => v === '0' || v === '1', what: '0 (no exit-time freeres) or 1' },
];

/** Refuses (fail's error) a hook setting in env with a value the hook does not take. */
export function checkHookSettings(env: Readonly<Record<string, string | undefined>>, fail: (message: string) => Error): void {
  for (const { name, takes, what } of HOOK_SETTINGS) {
    const value = env[name];
    if (value !== undefined && !takes(value)) throw fail(`${name}=${JSON.stringify(value)} in the program's environment: the hook takes ${what}`);
  }
}

/** The result's field for a run whose environment starts the hook with recording off (PMM_HOOKS_ACTIVE=0). */
export function recordingOffAtStartIn(env: Readonly<Record<string, string | undefined>>): { recordingOffAtStart?: true } {
  return env.PMM_HOOKS_ACTIVE === '0' ? { recordingOffAtStart: true } : {};
}
