// The leak matchers: toHaveNoLeaks() and toLeak({bytes, blocks}). A run checked with toLeak is expected to
// leak, so the environment raises no automatic failure for it.
import { formatAmount, formatLeakMessage } from './leakReport';
import type { LeakSummary, RunResult } from './types';

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

function isRunResult(value: unknown): value is RunResult {
  return typeof value === 'object' && value !== null && 'summary' in value && 'leaks' in value;
}

function notARun(name: string, value: unknown): MatcherResult {
  return { pass: false, message: () => `${name} expects the result of pmm.run, got ${typeof value}` };
}

/** Builds the matchers; acknowledge(result) is told of every run that toLeak checked. */
export function leakMatchers(acknowledge: (result: RunResult) => void) {
  return {
    toHaveNoLeaks(received: unknown): MatcherResult {
      if (!isRunResult(received)) return notARun('toHaveNoLeaks', received);
      const pass = received.summary.blocks === 0;
      return {
        pass,
        message: () =>
          pass
            ? `expected ${received.program} to leak, but every allocation was freed`
            : formatLeakMessage(received.leaks, received.summary, received.program),
      };
    },
    toLeak(received: unknown, expected: Partial<LeakSummary> = {}): MatcherResult {
      if (!isRunResult(received)) return notARun('toLeak', received);
      acknowledge(received);
      const { bytes, blocks } = received.summary;
      const pass =
        blocks > 0 &&
        (expected.bytes === undefined || expected.bytes === bytes) &&
        (expected.blocks === undefined || expected.blocks === blocks);
      const wanted = expected.bytes !== undefined || expected.blocks !== undefined
        ? [expected.bytes !== undefined ? `${expected.bytes} bytes` : null, expected.blocks !== undefined ? `${expected.blocks} blocks` : null].filter(Boolean).join(' in ')
        : 'a leak';
      return {
        pass,
        message: () =>
          pass
            ? `expected ${received.program} not to leak ${wanted}, but it leaked ${formatAmount(received.summary)}`
            : `expected ${received.program} to leak ${wanted}, but it leaked ${formatAmount(received.summary)}`,
      };
    },
  };
}
