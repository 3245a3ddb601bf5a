// Which test a run belongs to, pure over jest-circus's state. A run belongs to the test that started it: a
// plain test is the one between test_start and test_done; a concurrent test's function runs before its
// test_start (jest-circus starts them all at once), so it is found by the name jest-circus keeps for it in
// an AsyncLocalStorage, which is what expect.getState().currentConcurrentTestName() reads.
import type { Circus } from '@jest/types';

const ROOT_DESCRIBE_BLOCK_NAME = 'ROOT_DESCRIBE_BLOCK';

/** jest-circus's getTestID: the describe titles and the test's, joined by spaces. */
export function testId(test: Circus.TestEntry): string {
  const titles = [test.name];
  for (let block: Circus.DescribeBlock | undefined = test.parent; block && block.name !== ROOT_DESCRIBE_BLOCK_NAME; block = block.parent) {
    titles.unshift(block.name);
  }
  return titles.join(' ');
}

function allTests(block: Circus.DescribeBlock): Circus.TestEntry[] {
  return block.children.flatMap((child) => (child.type === 'test' ? [child] : allTests(child)));
}

export class AttributionError extends Error {
  constructor(message: string) {
    super(`pmm: ${message}`);
    this.name = 'AttributionError';
  }
}

/** The concurrent test named id; a name two concurrent tests share cannot be told apart, so it is refused. */
export function concurrentTest(root: Circus.DescribeBlock, id: string): Circus.TestEntry {
  const matches = allTests(root).filter((test) => test.concurrent && testId(test) === id);
  if (matches.length === 1) return matches[0];
  throw new AttributionError(
    matches.length === 0
      ? `pmm.run was called from concurrent test "${id}", which pmm cannot find; its leaks could not be attributed`
      : `pmm.run was called from concurrent test "${id}", but ${matches.length} concurrent tests have that name; ` +
          'give them distinct names so that each run is attributed to its own test',
  );
}
