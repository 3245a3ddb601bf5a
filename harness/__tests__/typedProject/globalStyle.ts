// A user's test with the global test and expect of @types/jest, as the README shows it.
import type { ChildResult, PmmOptions, RunOptions, RunResult } from 'jest-environment-pmm/globals';

// The package's other entry points resolve too: the environment and the JUnit reporter.
export type Environment = typeof import('jest-environment-pmm');
export type JunitReporter = typeof import('jest-environment-pmm/junit');

const options: RunOptions = { env: { PATH: '/opt/tools/bin:/usr/bin:/bin' }, timeoutMs: 1000, input: 'b\na\n' };

test('a known leak, of the program and of a child', async () => {
  const result: RunResult = await pmm.run('./build/my-tool', ['--input', 'data.txt'] as const, options);
  expect(result.exitCode).toBe(0);
  expect(result).toLeak({ bytes: 600, blocks: 3 });
  expect(result).toHaveMismatchedFrees(2);
  // As the README asserts a child's leak, under strict.
  expect(result.children[0]).toLeak();
  const child: ChildResult = result.children[1];
  expect(child).toHaveNoLeaks();
  const inForce: Readonly<PmmOptions> = pmm.options;
  const memoryMiB: number = inForce.memoryMiB;
  expect(memoryMiB).toBe(1024);
  // @ts-expect-error: arguments are strings (pmm.run is typed, not any)
  await pmm.run('./build/my-tool', [1]);
  // @ts-expect-error: no such matcher (the matchers are typed, not any)
  expect(result).toLeek();
});
