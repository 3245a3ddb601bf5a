// test.failing: a test that passes when it fails. A leak (or a mismatched release) that pmm finds in
// such a test is a failure like any other, so it is the failure the test expects: jest-circus, which
// judged the test before pmm's verdict came (at test_done), said "Failing test passed even though it
// was supposed to fail"; that is taken back, and pmm's failures are not added.
import type { Circus } from '@jest/types';

const PASSED_FAILING = 'Failing test passed even though it was supposed to fail';

/** Whether test is a test.failing one; then its failures from pmm stand for the failure it expects. */
export function isFailingTest(test: Circus.TestEntry): boolean {
  return (test as { failing?: boolean }).failing === true;
}

/** Adds failures (pmm's verdict) to a test.failing test's outcome: circus's "it passed" error goes. */
export function settleFailingTest(test: Circus.TestEntry, failures: readonly unknown[]): void {
  if (failures.length === 0) return;
  test.errors = test.errors.filter((entry) => {
    // Made in the test file's realm, where Error is another class than here: known by its message.
    const error: unknown = Array.isArray(entry) ? entry[0] : entry;
    const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
    return !(typeof message === 'string' && message.startsWith(PASSED_FAILING));
  });
}
