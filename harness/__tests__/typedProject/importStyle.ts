// A user's test with test and expect imported from @jest/globals (no @types/jest).
import { expect, test } from '@jest/globals';
import type {} from 'jest-environment-pmm/globals';

test('a known leak', async () => {
  const result = await pmm.run('./build/my-tool', [], { growth: { intervalMs: 200 } });
  expect(result).toLeak({ blocks: 1 });
  expect(result).not.toHaveMismatchedFrees();
  expect(result.children[0]).toHaveNoLeaks();
  // @ts-expect-error: no such matcher (the matchers are typed, not any)
  expect(result).toLeek();
});
