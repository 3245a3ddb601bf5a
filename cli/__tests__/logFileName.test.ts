import { expandLogFileName } from '../logFileName';
import { parseArgs, UsageError } from '../parseArgs';

const context = { pid: 4242, env: { CI_JOB: 'unit', EMPTY: '' } };

// valgrind 3.19 gives the same names (its %p being the process's pid, pmm's here).
test.each([
  ['pmm.log', 'pmm.log'],
  ['vg.%p.log', 'vg.4242.log'],
  ['%p-%p', '4242-4242'],
  ['logs/%q{CI_JOB}.log', 'logs/unit.log'],
  ['a%%b', 'a%b'],
  ['%%p', '%p'],
  ['x%q{EMPTY}y', 'xy'],
])('--log-file %j names %j', (name, file) => {
  expect(expandLogFileName(name, context)).toEqual({ file });
});

// Each refused by valgrind too, rather than make a file with the % in its name.
test.each([
  ['b%z.log', /expected 'p', 'q\{VAR\}' or '%' after '%'/],
  ['i%', /expected 'p', 'q\{VAR\}' or '%' after '%'/],
  ['c%q.log', /expected '\{' after '%q'/],
  ['h%q{HOME', /missing '\}' in %q\{VAR\}/],
  ['e%q{NOPE_X}.log', /environment variable "NOPE_X" is not set/],
])('--log-file %j is refused', (name, problem) => {
  const expanded = expandLogFileName(name, context);
  expect('problem' in expanded && expanded.problem).toMatch(problem);
});

test('pmm run expands the name when it parses --log-file, and refuses a bad one or one that names nothing', () => {
  const run = parseArgs(['run', '--log-file=vg.%p.log', 'prog'], context);
  expect(run).toMatchObject({ name: 'run', logFile: 'vg.4242.log', program: 'prog' });
  expect(() => parseArgs(['run', '--log-file', 'b%z.log', 'prog'], context)).toThrow(UsageError);
  expect(() => parseArgs(['run', '--log-file', 'b%z.log', 'prog'], context)).toThrow(/^--log-file "b%z\.log": expected 'p'/);
  expect(() => parseArgs(['run', '--log-file', '%q{EMPTY}', 'prog'], context)).toThrow(/^--log-file "%q\{EMPTY\}" names no file/);
});
