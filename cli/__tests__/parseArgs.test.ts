import { parseArgs, UsageError } from '../parseArgs';

test.each([
  [[], { name: 'help' }],
  [['--help'], { name: 'help' }],
  [['setup'], { name: 'setup' }],
  [['run', '--host', '--json', 'prog'], { name: 'run', json: true, host: true, timeoutMs: null, accel: null, program: 'prog', args: [] }],
  [['run', '--', './a.out', '-x'], { name: 'run', json: false, host: false, timeoutMs: null, accel: null, program: './a.out', args: ['-x'] }],
  [['run', '--json', '--timeout', '2.5', '--', 'prog'], { name: 'run', json: true, host: false, timeoutMs: 2500, accel: null, program: 'prog', args: [] }],
  [['run', '--accel=tcg', 'prog', '--json'], { name: 'run', json: false, host: false, timeoutMs: null, accel: 'tcg', program: 'prog', args: ['--json'] }],
  [['exec', '--', 'cat', '/proc/pmm/cfg'], { name: 'exec', timeoutMs: null, accel: null, program: 'cat', args: ['/proc/pmm/cfg'] }],
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
])('%j is a usage error', (argv, message) => {
  expect(() => parseArgs(argv)).toThrow(UsageError);
  expect(() => parseArgs(argv)).toThrow(message);
});
