import { parseArgs, UsageError } from '../parseArgs';

test.each([
  [['--help'], { name: 'help' }],
  [['run', '--host', '--help'], { name: 'help' }],
  [['exec', '-h', 'ls'], { name: 'help' }],
  [['--version'], { name: 'version' }],
  [['-V'], { name: 'version' }],
  [['setup'], { name: 'setup' }],
  [['run', '--host', '--json', 'prog'], { name: 'run', json: true, host: true, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: [] }],
  [['run', '--', './a.out', '-x'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: './a.out', args: ['-x'] }],
  [['run', '--timeout', '0.0000001', '--', 'prog'], { name: 'run', json: false, host: false, timeoutMs: 1, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: [] }],
  [['run', '--json', '--timeout', '2.5', '--', 'prog'], { name: 'run', json: true, host: false, timeoutMs: 2500, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: [] }],
  [['run', '--accel=tcg', 'prog', '--json'], { name: 'run', json: false, host: false, timeoutMs: null, accel: 'tcg', shares: [], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: ['--json'] }],
  [['exec', '--', 'cat', '/proc/pmm/cfg'], { name: 'exec', timeoutMs: null, accel: null, shares: [], program: 'cat', args: ['/proc/pmm/cfg'] }],
  [['run', '--share', 'out', '--share=/srv/data', 'prog'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: ['out', '/srv/data'], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: [] }],
  [['run', '--host', '--suppressions', 'a.supp', '--suppressions=/b.supp', '--gen-suppressions', 'prog'], {
    name: 'run', json: false, host: true, timeoutMs: null, accel: null, shares: [], suppressions: ['a.supp', '/b.supp'], genSuppressions: true, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: [],
  }],
  [['run', '--gen-suppressions=all', 'prog'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: true, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: [] }],
  // valgrind's values: its yes asks at each error, and pmm, which has no one to ask, prints them all.
  [['run', '--gen-suppressions=yes', 'prog'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: true, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: [] }],
  [['run', '--gen-suppressions', '--gen-suppressions=no', 'prog'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: [] }],
  [['run', '--host', 'prog', '--help'], { name: 'run', json: false, host: true, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: ['--help'] }],
  [['run', '--', '-h'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: '-h', args: [] }],
  [['exec', '--share', '.', '--', 'touch', 'x'], { name: 'exec', timeoutMs: null, accel: null, shares: ['.'], program: 'touch', args: ['x'] }],
  [['run', '--error-exitcode', '42', 'prog'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: 42, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: [] }],
  [['run', '--log-file', 'pmm.log', '--log-file=/tmp/pmm.log', 'prog'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: '/tmp/pmm.log', numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: [] }],
  [['run', '--num-callers', '4', '--num-callers=0', 'prog'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: null, numCallers: 0, junit: null, growth: false, quiet: false, program: 'prog', args: [] }],
  [['run', '--junit', 'a.xml', '--junit=leaks.xml', 'prog'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: null, numCallers: null, junit: 'leaks.xml', growth: false, quiet: false, program: 'prog', args: [] }],
  [['run', '--growth', 'prog'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: null, logFile: null, numCallers: null, junit: null, growth: true, quiet: false, program: 'prog', args: [] }],
  [['run', '--error-exitcode=0', '--', 'prog'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, errorExitCode: 0, logFile: null, numCallers: null, junit: null, growth: false, quiet: false, program: 'prog', args: [] }],
])('%j', (argv, command) => {
  expect(parseArgs(argv)).toEqual(command);
});

test.each([
  [['frobnicate'], /unknown command: frobnicate/],
  [[], /^no command given: run, exec, setup or junit-merge$/],
  [['run'], /no program given/],
  [['run', '--'], /no program given/],
  [['run', '--timeout'], /--timeout wants a number of seconds/],
  [['run', '--timeout', 'soon', 'x'], /--timeout wants a number of seconds \(0: none\), got "soon"/],
  [['run', '--timeout', '0x10', 'x'], /--timeout wants a number of seconds \(0: none\), got "0x10"/],
  [['run', '--timeout', '-1', 'x'], /--timeout wants a number of seconds \(0: none\), got "-1"/],
  [['run', '--timeout', '3000000', 'x'], /^--timeout wants at most 2000000 seconds \(about 23 days: Node's timers reach no further\), got "3000000"$/],
  [['run', '--accel', 'xen', 'x'], /--accel wants auto, kvm or tcg, got "xen"/],
  [['exec', '--json', 'x'], /unknown option for pmm exec: --json/],
  [['setup', 'now'], /pmm setup takes no arguments/],
  [['--version', 'now'], /pmm --version takes no arguments/],
  [['run', '--share'], /--share wants a folder/],
  [['run', '--suppressions'], /--suppressions wants a file/],
  [['run', '--gen-suppressions=maybe', 'x'], /^--gen-suppressions wants yes, no or all, got "maybe"$/],
  [['run', '--gen-suppressions=', 'x'], /^--gen-suppressions wants yes, no or all, got ""$/],
  [['exec', '--gen-suppressions=yes', 'x'], /unknown option for pmm exec: --gen-suppressions=yes/],
  [['exec', '--suppressions', 'a.supp', 'x'], /unknown option for pmm exec: --suppressions/],
  [['run', '--share=', 'x'], /--share wants a folder/],
  [['run', '--host', '--share', 'out', 'x'], /--share is for the VM/],
  [['run', '--error-exitcode'], /--error-exitcode wants an exit status from 0 to 255, got nothing/],
  [['run', '--error-exitcode=256', 'x'], /--error-exitcode wants an exit status from 0 to 255, got "256"/],
  [['run', '--error-exitcode', '-1', 'x'], /--error-exitcode wants an exit status from 0 to 255, got "-1"/],
  [['run', '--error-exitcode=yes', 'x'], /--error-exitcode wants an exit status from 0 to 255, got "yes"/],
  [['exec', '--error-exitcode=1', 'x'], /unknown option for pmm exec: --error-exitcode=1/],
  [['run', '--num-callers', '17', 'x'], /--num-callers wants 0 to 16 \(the hook keeps at most 16 frames\), got "17"/],
  [['run', '--num-callers=-1', 'x'], /--num-callers wants 0 to 16/],
  [['run', '--num-callers'], /--num-callers wants 0 to 16 .*, got nothing/],
  [['run', '--junit'], /--junit wants a file/],
  [['run', '--host', '--growth', 'x'], /--growth judges pmthread's samples of the program, taken in the VM: not with --host/],
  [['exec', '--growth', 'x'], /unknown option for pmm exec: --growth/],
  [['exec', '--junit', 'a.xml', 'x'], /unknown option for pmm exec: --junit/],
  [['run', '--log-file'], /--log-file wants a file/],
  [['run', '--log-file=', 'x'], /--log-file wants a file/],
  [['exec', '--log-file', 'a.log', 'x'], /unknown option for pmm exec: --log-file/],
  // `--` ends pmm's options: a file of that name was written, and the program ran all the same.
  [['run', '--junit', '--', './p'], /^--junit wants a file, got "--", which ends pmm's options \(a file of that name is \.\/--\)$/],
  [['run', '--log-file', '--', './p'], /^--log-file wants a file, got "--"/],
  [['run', '--junit=--', './p'], /^--junit wants a file, got "--"/],
  [['run', '--suppressions', '--', './p'], /^--suppressions wants a file, got "--"/],
  [['exec', '--share', '--', 'ls'], /^--share wants a folder, got "--"/],
])('%j is a usage error', (argv, message) => {
  expect(() => parseArgs(argv)).toThrow(UsageError);
  expect(() => parseArgs(argv)).toThrow(message);
});

// A CI line written for valgrind works with `valgrind` replaced by `pmm run`: the options that ask for what
// pmm does anyway are taken; one that asks for anything else is refused, saying what pmm does.
test('valgrind\'s options for what pmm run does anyway are taken, and change nothing', () => {
  const plain = parseArgs(['run', '--error-exitcode=1', './prog', '--leak-check=summary']);
  expect(parseArgs(['run', '--tool=memcheck', '--leak-check=full', '--show-leak-kinds=all', '--errors-for-leak-kinds=reachable,definite,possible,indirect',
    '--trace-children=yes', '--error-exitcode=1', './prog', '--leak-check=summary'])).toEqual(plain);
  expect(parseArgs(['run', '--leak-check=yes', './prog', '--leak-check=summary'])).toEqual({ ...plain, errorExitCode: null });
  // A program named as an Object's property is a program (it was taken for an option).
  for (const program of ['constructor', 'toString', '__proto__', 'hasOwnProperty=1']) {
    expect(parseArgs(['run', program])).toMatchObject({ program, args: [] });
  }
});

test.each([
  [['run', '--leak-check=summary', 'x'], /^--leak-check=summary is valgrind's, asking for what pmm does not do: pmm always lists each leak with its stack \(valgrind's "full"\)$/],
  [['run', '--leak-check=no', 'x'], /^--leak-check=no is valgrind's/],
  [['run', '--leak-check', 'full', 'x'], /^--leak-check wants its value after "=", as valgrind's: --leak-check=full, which pmm does anyway$/],
  [['run', '--show-leak-kinds=definite', 'x'], /^--show-leak-kinds=definite is valgrind's, asking for what pmm does not do: pmm has no leak kinds: every block still allocated at exit is a leak/],
  [['run', '--show-leak-kinds=definite,indirect,possible', 'x'], /--show-leak-kinds=definite,indirect,possible is valgrind's/],
  [['run', '--errors-for-leak-kinds=definite,possible', 'x'], /--errors-for-leak-kinds=definite,possible is valgrind's/],
  [['run', '--show-leak-kinds=all,none', 'x'], /--show-leak-kinds=all,none is valgrind's/],
  [['run', '--trace-children=no', 'x'], /^--trace-children=no is valgrind's, asking for what pmm does not do: pmm always follows the processes a program forks/],
  [['run', '--tool=helgrind', 'x'], /^--tool=helgrind is valgrind's, asking for what pmm does not do: pmm finds leaks and mismatched frees\/deletes/],
  // pmm exec runs no check: valgrind's leak options are no options of its.
  [['exec', '--leak-check=full', 'x'], /^unknown option for pmm exec: --leak-check=full$/],
  [['run', '--track-origins=yes', 'x'], /^unknown option for pmm run: --track-origins=yes$/],
])('%j: a valgrind option asking for what pmm does not do is a usage error', (argv, message) => {
  expect(() => parseArgs(argv)).toThrow(UsageError);
  expect(() => parseArgs(argv)).toThrow(message);
});

test('-q and --quiet, valgrind\'s, ask pmm run for only what is wrong', () => {
  expect(parseArgs(['run', '-q', 'prog'])).toMatchObject({ name: 'run', quiet: true, program: 'prog', args: [] });
  expect(parseArgs(['run', '--quiet', '--host', 'prog', '-q'])).toMatchObject({ quiet: true, host: true, program: 'prog', args: ['-q'] });
  expect(() => parseArgs(['exec', '-q', 'ls'])).toThrow(/^unknown option for pmm exec: -q$/);
});
