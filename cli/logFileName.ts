// valgrind's --log-file expands %p, %q{VAR} and %% in the name, so a script's `--log-file=vg.%p.log` or
// `--log-file=%q{CI_JOB}.log` works under pmm as under valgrind, rather than make a file of that name.
/** What the name's % sequences stand for: pmm's pid, and the environment %q reads. */
export interface LogFileContext {
  pid: number;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * The file --log-file names, its % sequences expanded as valgrind does. %p is pmm's own pid: pmm writes
 * one file per run, made before the program starts (in the VM the program's pid is the guest's). An
 * unknown sequence, a %q without {VAR}, or a VAR that is not set is an error, as valgrind's: what is wrong.
 */
export function expandLogFileName(name: string, context: LogFileContext): { file: string } | { problem: string } {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    if (name[i] !== '%') {
      out += name[i];
      continue;
    }
    const next = name[++i];
    if (next === 'p') out += String(context.pid);
    else if (next === '%') out += '%';
    else if (next === 'q') {
      if (name[i + 1] !== '{') return { problem: "expected '{' after '%q' (%q{VAR}: the environment variable VAR)" };
      const end = name.indexOf('}', i + 2);
      if (end < 0) return { problem: "missing '}' in %q{VAR}" };
      const variable = name.slice(i + 2, end);
      const value = context.env[variable];
      if (value === undefined) return { problem: `environment variable ${JSON.stringify(variable)} is not set` };
      out += value;
      i = end;
    } else {
      return { problem: "expected 'p', 'q{VAR}' or '%' after '%' (%p: pmm's pid, %q{VAR}: the environment variable VAR, %%: a '%')" };
    }
  }
  return { file: out };
}
