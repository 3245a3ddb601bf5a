// valgrind's options that say what `pmm run` does anyway. A CI line written for valgrind
// (`valgrind --leak-check=full --error-exitcode=1 ./prog`) then works with `valgrind` replaced by
// `pmm run`; pmm's own spellings of --error-exitcode, --suppressions and the like are valgrind's already.
// A value that asks for something else is refused, saying what pmm does, rather than taken and ignored:
// a run must not look as if it had done what was asked.

/** valgrind's leak kinds: pmm has none, every block still allocated at exit counts, as all four do. */
const LEAK_KINDS = ['definite', 'indirect', 'possible', 'reachable'];

/** Whether a --show-leak-kinds / --errors-for-leak-kinds set is every kind (`all`, or the four named). */
function allKinds(value: string): boolean {
  if (value === 'all') return true;
  const kinds = new Set(value.split(','));
  return LEAK_KINDS.every((kind) => kinds.has(kind)) && [...kinds].every((kind) => LEAK_KINDS.includes(kind));
}

interface ValgrindOption {
  /** Whether pmm already does what this value asks. */
  done: (value: string) => boolean;
  /** The value pmm takes, for an option given without one. */
  taken: string;
  /** What pmm does instead, for a value it does not. */
  instead: string;
}

const KINDS_INSTEAD = 'pmm has no leak kinds: every block still allocated at exit is a leak (valgrind\'s "all"); leave known ones out with --suppressions';

const VALGRIND_OPTIONS: Readonly<Record<string, ValgrindOption>> = {
  '--tool': { done: (value) => value === 'memcheck', taken: 'memcheck', instead: "pmm finds leaks and mismatched frees/deletes, memcheck's leak check" },
  '--leak-check': {
    done: (value) => value === 'full' || value === 'yes',
    taken: 'full',
    instead: 'pmm always lists each leak with its stack (valgrind\'s "full")',
  },
  '--show-leak-kinds': { done: allKinds, taken: 'all', instead: KINDS_INSTEAD },
  '--errors-for-leak-kinds': { done: allKinds, taken: 'all', instead: KINDS_INSTEAD },
  '--trace-children': {
    done: (value) => value === 'yes',
    taken: 'yes',
    instead: 'pmm always follows the processes a program forks and the programs they exec(), each reported on its own (valgrind\'s "yes")',
  },
};

/**
 * arg as one of valgrind's options: 'done' when pmm does what it asks anyway, a usage error's words when
 * it asks for something else, null when arg is none of them.
 */
export function valgrindOption(arg: string): 'done' | { refused: string } | null {
  const at = arg.indexOf('=');
  const name = at < 0 ? arg : arg.slice(0, at);
  // Own names only: a program called `constructor` is no option of Object's.
  if (!Object.hasOwn(VALGRIND_OPTIONS, name)) return null;
  const option = VALGRIND_OPTIONS[name];
  if (at < 0) return { refused: `${name} wants its value after "=", as valgrind's: ${name}=${option.taken}, which pmm does anyway` };
  if (option.done(arg.slice(at + 1))) return 'done';
  return { refused: `${arg} is valgrind's, asking for what pmm does not do: ${option.instead}` };
}
