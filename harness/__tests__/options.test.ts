import { DEFAULT_OPTIONS, optionsUnder, PmmOptionsError, resolveOptions } from '../options';

test("a BigInt is refused in the option's words (JSON.stringify threw on it)", () => {
  expect(() => resolveOptions({ cpus: 2n }, {})).toThrow(/^pmm: option "cpus" must be a positive integer, got 2n$/);
});

test('no options give the defaults', () => {
  expect(resolveOptions(undefined, {})).toEqual(DEFAULT_OPTIONS);
});

test('environment variables override defaults, and options override both', () => {
  const options = resolveOptions({ memoryMiB: 2048 }, { PMM_MEMORY_MIB: '768', PMM_ACCEL: 'tcg' });
  expect(options.memoryMiB).toBe(2048);
  expect(options.accel).toBe('tcg');
});

test.each([
  [{ accel: 'xen' }, /option "accel" must be "auto", "kvm" or "tcg", got "xen"/],
  [{ memoryMiB: -1 }, /option "memoryMiB" must be a positive integer, got -1/],
  [{ memoryMiB: 64 }, /^pmm: option "memoryMiB" must be at least 128, got 64: the guest's kernel needs about 90 MiB to boot/],
  [{ cpus: 1.5 }, /option "cpus" must be a positive integer/],
  [{ bootTimeoutMs: '10s' }, /option "bootTimeoutMs" must be a positive integer, got "10s"/],
  // Node's timers fire at once past 2^31-1 ms: a limit of 25 days or more ended a run (or a boot) at its start.
  [{ bootTimeoutMs: 2 ** 31 }, /^pmm: option "bootTimeoutMs" must be at most 2000000000 ms \(about 23 days: Node's timers reach no further\), got 2147483648$/],
  [{ runTimeoutMs: 2_000_000_001 }, /^pmm: option "runTimeoutMs" must be at most 2000000000 ms/],
  [{ env: { A: 1 } }, /option "env.A" must be a string, got 1/],
  [{ env: { A: 'a\0b' } }, /^pmm: option "env.A" holds a NUL character, which an environment cannot hold: "a\\u0000b"$/],
  // Shown as they are: JSON would say null for NaN, and throw on a BigInt.
  [{ memoryMiB: NaN }, /option "memoryMiB" must be a positive integer, got NaN$/],
  [{ env: [] }, /option "env" must be an object of strings/],
  [{ kernal: 'x' }, /unknown option "kernal"; known options: accel, kernel, memoryMiB/],
  [{ kernel: '' }, /option "kernel" must be the path of a kernel image \(absolute, relative to the project's rootDir, or <rootDir>\/...\), got ""/],
  [{ stackDepth: -1 }, /option "stackDepth" must be a non-negative integer, got -1/],
  [{ stackDepth: 17 }, /option "stackDepth" must be at most 16 \(the frames the hook keeps\), got 17/],
  [{ suppressions: 'leaks.supp' }, /option "suppressions" must be an array of paths, got "leaks.supp"/],
  [{ suppressions: ['/a.supp', ''] }, /option "suppressions\[1\]" must be a path \(absolute, relative to the project's rootDir, or <rootDir>\/...\), got ""/],
  [{ shares: [7] }, /option "shares\[0\]" must be a path .*, got 7/],
  [{ env: { 'A=B': 'x' } }, /option "env" has a variable named "A=B", which an environment cannot hold/],
  [{ shares: ['/a b'] }, /option "shares\[0\]" must not hold spaces, commas or colons, got "\/a b"/],
  [{ shares: ['/nonexistent-pmm-share'] }, /option "shares\[0\]" must be an existing folder, got "\/nonexistent-pmm-share"/],
  [{ shares: ['/etc/hostname'] }, /option "shares\[0\]" must be an existing folder, got "\/etc\/hostname"/],
  [{ leakThreshold: 100 }, /option "leakThreshold" must be an object like/],
  [{ leakThreshold: { bytes: -1 } }, /option "leakThreshold.bytes" must be a non-negative integer, got -1/],
  [{ leakThreshold: { block: 1 } }, /unknown option "leakThreshold.block"; known: bytes, blocks/],
  [{ followChildren: 'yes' }, /option "followChildren" must be true or false, got "yes"/],
  ['fast', /options must be an object, got "fast"/],
])('%j is refused', (given, message) => {
  expect(() => resolveOptions(given, {})).toThrow(message);
});

test('a bad environment variable is named too', () => {
  expect(() => resolveOptions({}, { PMM_CPUS: 'many' })).toThrow(new PmmOptionsError('PMM_CPUS="many": option "cpus" must be a positive integer, got "many"'));
  expect(() => resolveOptions({}, { PMM_SHARES: '/tmp:/a b' })).toThrow(new PmmOptionsError('PMM_SHARES="/tmp:/a b": option "shares[1]" must not hold spaces, commas or colons, got "/a b"'));
  // A figure out of range is shown as the figure, not as pmm's wrapper of the variable's text.
  expect(() => resolveOptions({}, { PMM_MEMORY_MIB: '64' })).toThrow(/^pmm: PMM_MEMORY_MIB="64": option "memoryMiB" must be at least 128, got 64: /);
});

test('a zero run timeout means no limit', () => {
  expect(resolveOptions({ runTimeoutMs: 0 }, {}).runTimeoutMs).toBe(0);
});

test('every option given is kept, checked and copied', () => {
  const given = {
    kernel: '/boot/vmlinuz-test',
    stackDepth: 8,
    suppressions: ['/src/pmm.supp'],
    leakThreshold: { bytes: 64 },
    followChildren: false,
    shares: ['/usr'],
    env: { A: 'b' },
  };
  const options = resolveOptions(given, {});
  // A figure left out is not limited (64 bytes in any number of blocks), and stays out: pmm.options showed
  // it as blocks: 9007199254740991, a limit nobody set.
  expect(options).toMatchObject(given);
  expect(options.leakThreshold).toStrictEqual({ bytes: 64 });
  expect(resolveOptions({ leakThreshold: {} }, {}).leakThreshold).toStrictEqual({});
  expect(options.env).not.toBe(given.env);
});

test('a number option is a number: a string is ill-typed in the options, decimal digits in a variable', () => {
  expect(() => resolveOptions({ cpus: '2' })).toThrow(new PmmOptionsError('option "cpus" must be a positive integer, got "2"'));
  expect(() => resolveOptions({ leakThreshold: { bytes: '1e3' } })).toThrow(new PmmOptionsError('option "leakThreshold.bytes" must be a non-negative integer, got "1e3"'));
  expect(resolveOptions({}, { PMM_CPUS: '2' }).cpus).toBe(2);
  expect(() => resolveOptions({}, { PMM_CPUS: '0x2' })).toThrow(new PmmOptionsError('PMM_CPUS="0x2": option "cpus" must be a positive integer, got "0x2"'));
});

test('PMM_KERNEL overrides the kernel set-up fetched', () => {
  expect(resolveOptions({}, { PMM_KERNEL: '/k/vmlinux' }).kernel).toBe('/k/vmlinux');
});

test('PMM_SHARES lists folders separated by colons, as PATH does, each checked', () => {
  expect(resolveOptions({}, { PMM_SHARES: '/usr:/tmp:' }).shares).toEqual(['/usr', '/tmp']);
  expect(() => resolveOptions({}, { PMM_SHARES: '/usr:/a b' })).toThrow(/option "shares\[1\]" must not hold spaces, commas or colons/);
});

// A docblock or a configuration shared by a team cannot know where the repository is checked out: its
// relative paths are the project's, as Jest reads its own options' (and <rootDir> is Jest's word for it).
test("the options' relative paths are the project's rootDir's, the variables' the current directory's", () => {
  const options = resolveOptions({ suppressions: ['leaks.supp', '<rootDir>/ci/more.supp', '/abs.supp', '../up.supp'], kernel: 'k/vmlinux', shares: ['<rootDir>'] }, {}, '/usr');
  expect(options.suppressions).toEqual(['/usr/leaks.supp', '/usr/ci/more.supp', '/abs.supp', '/up.supp']);
  expect(options.kernel).toBe('/usr/k/vmlinux');
  expect(options.shares).toEqual(['/usr']);
  const cwd = process.cwd();
  try {
    process.chdir('/usr');
    expect(resolveOptions({}, { PMM_SHARES: 'lib:<rootDir>/bin', PMM_KERNEL: 'vmlinuz' }, '/').shares).toEqual(['/usr/lib', '/bin']);
    expect(resolveOptions({}, { PMM_KERNEL: 'vmlinuz' }, '/').kernel).toBe('/usr/vmlinuz');
  } finally {
    process.chdir(cwd);
  }
});

test("pmm's options are those under its key; Jest's own beside it are left to Jest", () => {
  expect(optionsUnder('pmm', { pmm: { memoryMiB: 512 }, customExportConditions: ['node'] })).toEqual({ memoryMiB: 512 });
  expect(optionsUnder('pmm', { customExportConditions: ['node'] })).toBeUndefined();
});

test.each([
  [{ memoryMiB: 512 }, 'pmm: option "memoryMiB" must be under the "pmm" key of testEnvironmentOptions (or of @jest-environment-options), where pmm reads its options: {"pmm":{"memoryMiB":512}}'],
  [
    { pmm: { cpus: 2 }, customExportConditions: ['node'], runTimeoutMs: 0, leakThreshold: { bytes: 10 } },
    'pmm: options "runTimeoutMs", "leakThreshold" must be under the "pmm" key of testEnvironmentOptions (or of @jest-environment-options), where pmm reads its options: {"pmm":{"runTimeoutMs":0,"leakThreshold":{"bytes":10}}}',
  ],
])("one of pmm's options beside its key, which it never read, is refused with where it goes: %j", (given, message) => {
  expect(() => optionsUnder('pmm', given)).toThrow(new PmmOptionsError(message.replace(/^pmm: /, '')));
});
