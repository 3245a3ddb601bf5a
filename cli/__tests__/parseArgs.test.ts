import { parseArgs, UsageError } from '../parseArgs';

test.each([
  [[], { name: 'help' }],
  [['--help'], { name: 'help' }],
  [['run', '--host', '--help'], { name: 'help' }],
  [['exec', '-h', 'ls'], { name: 'help' }],
  [['--version'], { name: 'version' }],
  [['-V'], { name: 'version' }],
  [['setup'], { name: 'setup' }],
  [['run', '--host', '--json', 'prog'], { name: 'run', json: true, host: true, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, program: 'prog', args: [] }],
  [['run', '--', './a.out', '-x'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, program: './a.out', args: ['-x'] }],
  [['run', '--json', '--timeout', '2.5', '--', 'prog'], { name: 'run', json: true, host: false, timeoutMs: 2500, accel: null, shares: [], suppressions: [], genSuppressions: false, program: 'prog', args: [] }],
  [['run', '--accel=tcg', 'prog', '--json'], { name: 'run', json: false, host: false, timeoutMs: null, accel: 'tcg', shares: [], suppressions: [], genSuppressions: false, program: 'prog', args: ['--json'] }],
  [['exec', '--', 'cat', '/proc/pmm/cfg'], { name: 'exec', timeoutMs: null, accel: null, shares: [], program: 'cat', args: ['/proc/pmm/cfg'] }],
  [['run', '--share', 'out', '--share=/srv/data', 'prog'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: ['out', '/srv/data'], suppressions: [], genSuppressions: false, program: 'prog', args: [] }],
  [['run', '--host', '--suppressions', 'a.supp', '--suppressions=/b.supp', '--gen-suppressions', 'prog'], {
    name: 'run', json: false, host: true, timeoutMs: null, accel: null, shares: [], suppressions: ['a.supp', '/b.supp'], genSuppressions: true, program: 'prog', args: [],
  }],
  [['run', '--gen-suppressions=all', 'prog'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: true, program: 'prog', args: [] }],
  [['run', '--host', 'prog', '--help'], { name: 'run', json: false, host: true, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, program: 'prog', args: ['--help'] }],
  [['run', '--', '-h'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, shares: [], suppressions: [], genSuppressions: false, program: '-h', args: [] }],
  [['exec', '--share', '.', '--', 'touch', 'x'], { name: 'exec', timeoutMs: null, accel: null, shares: ['.'], program: 'touch', args: ['x'] }],
])('%j', (argv, command) => {
  expect(parseArgs(argv)).toEqual(command);
});

test.each([
  [['frobnicate'], /unknown command: frobnicate/],
  [['run'], /no program given/],
  [['run', '--'], /no program given/],
  [['run', '--timeout'], /--timeout wants a number of seconds/],
  [['run', '--timeout', 'soon', 'x'], /--timeout wants a number of seconds \(0: none\), got "soon"/],
  [['run', '--accel', 'xen', 'x'], /--accel wants auto, kvm or tcg, got "xen"/],
  [['exec', '--json', 'x'], /unknown option for pmm exec: --json/],
  [['setup', 'now'], /pmm setup takes no arguments/],
  [['--version', 'now'], /pmm --version takes no arguments/],
  [['run', '--share'], /--share wants a folder/],
  [['run', '--suppressions'], /--suppressions wants a file/],
  [['run', '--gen-suppressions=yes', 'x'], /unknown option for pmm run: --gen-suppressions=yes/],
  [['exec', '--suppressions', 'a.supp', 'x'], /unknown option for pmm exec: --suppressions/],
  [['run', '--share=', 'x'], /--share wants a folder/],
  [['run', '--host', '--share', 'out', 'x'], /--share is for the VM/],
])('%j is a usage error', (argv, message) => {
  expect(() => parseArgs(argv)).toThrow(UsageError);
  expect(() => parseArgs(argv)).toThrow(message);
});
