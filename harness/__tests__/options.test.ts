import { DEFAULT_OPTIONS, resolveOptions } from '../options';

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
  [{ cpus: 1.5 }, /option "cpus" must be a positive integer/],
  [{ bootTimeoutMs: '10s' }, /option "bootTimeoutMs" must be a positive integer, got "10s"/],
  [{ env: { A: 1 } }, /option "env.A" must be a string, got 1/],
  [{ env: [] }, /option "env" must be an object of strings/],
  [{ kernal: 'x' }, /unknown option "kernal"; known options: accel, memoryMiB/],
  ['fast', /options must be an object, got "fast"/],
])('%j is refused', (given, message) => {
  expect(() => resolveOptions(given, {})).toThrow(message);
});

test('a bad environment variable is named too', () => {
  expect(() => resolveOptions({}, { PMM_CPUS: 'many' })).toThrow(/option "cpus" must be a positive integer, got "many"/);
});

test('a zero run timeout means no limit', () => {
  expect(resolveOptions({ runTimeoutMs: 0 }, {}).runTimeoutMs).toBe(0);
});
