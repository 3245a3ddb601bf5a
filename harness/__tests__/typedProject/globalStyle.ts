// A user's test with the global test and expect of @types/jest, as the README shows it.
import type {} from 'jest-environment-pmm/globals';

// The package's other entry points resolve too: the environment and the JUnit reporter.
export type Environment = typeof import('jest-environment-pmm');
export type JunitReporter = typeof import('jest-environment-pmm/junit');

test('a known leak', async () => {
  const result = await pmm.run('./build/my-tool', ['--input', 'data.txt'], { timeoutMs: 1000, input: 'b\na\n' });
  expect(result.exitCode).toBe(0);
  expect(result).toLeak({ bytes: 600, blocks: 3 });
  expect(result).toHaveMismatchedFrees(2);
  expect(result).toHaveNoLeaks();
  const memoryMiB: number = pmm.options.memoryMiB;
  expect(memoryMiB).toBe(1024);
  // @ts-expect-error: arguments are strings (pmm.run is typed, not any)
  await pmm.run('./build/my-tool', [1]);
  // @ts-expect-error: no such matcher (the matchers are typed, not any)
  expect(result).toLeek();
});
