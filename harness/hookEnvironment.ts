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
