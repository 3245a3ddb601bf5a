// Demangles the C++ names llvm-symbolizer left mangled: llvm 14's demangler gives up on some that GNU's
// takes (std::make_shared<std::vector<int>>'s, with an enable_if in its return type), and valgrind, which
// uses GNU's, names them. binutils' c++filt is GNU's; without it the names stay as they are.

import {childProcess} from '../harness/coreModules';

/** Each of names demangled by c++filt, where it could be; a name it could not do maps to itself. */
export function cxxFilt(names: readonly string[]): Map<string, string> {
  const demangled = new Map(names.map(name => [name, name]));
  if (names.length === 0) return demangled;
  const run = childProcess.spawnSync('c++filt', [], {input: `${names.join('\n')}\n`, encoding: 'utf8', timeout: 10_000});
  const lines = typeof run.stdout === 'string' ? run.stdout.split('\n') : [];
  if (run.status !== 0 || lines.length < names.length) return demangled;
  names.forEach((name, index) => demangled.set(name, lines[index]));
  return demangled;
}

/** Whether llvm-symbolizer left name as the linker has it (an Itanium C++ mangled name). */
export function stillMangled(name: string | null): name is string {
  return name !== null && /^_Z[A-Za-z0-9_.$]+$/.test(name);
}
