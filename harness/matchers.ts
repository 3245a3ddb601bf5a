// The leak matchers: toHaveNoLeaks() and toLeak({bytes, blocks}), and toHaveMismatchedFrees(count). A run
// whose leaks a passing toLeak asserted is expected to leak, and one whose releases a passing
// toHaveMismatchedFrees asserted to release blocks with another family's call, so the environment raises no
// automatic failure for what was checked: the program's own (its forked children are judged as ever).
import { formatAmount, formatLeakMessage, summarize } from './leakReport';
import { formatMismatchMessage } from './mismatchReport';
import type { LeakSummary, RunResult } from './types';
import { shownValue } from './shownValue';

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

function isRunResult(value: unknown): value is RunResult {
  return typeof value === 'object' && value !== null && 'summary' in value && 'leaks' in value && 'mismatches' in value;
}

/** "1 block", "3 blocks"; nothing when n is not given. */
function count(n: number | undefined, unit: string): string | null {
  return n === undefined ? null : `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** What Jest gives a matcher as `this`: whether it runs negated (`.not`). */
interface MatcherThis {
  isNot?: boolean;
}

/** toLeak's expectation, checked: a misspelt key or a wrong type would otherwise pass any leak, or none. */
function leakExpectation(expected: unknown): Partial<LeakSummary> {
  if (expected === undefined) return {};
  const given = expected as Record<string, unknown>;
  const valid = typeof expected === 'object' && expected !== null && !Array.isArray(expected) &&
    Object.keys(given).every((key) => (key === 'bytes' || key === 'blocks') && (given[key] === undefined || (Number.isSafeInteger(given[key]) && (given[key] as number) >= 0)));
  if (!valid) throw new Error(`toLeak expects nothing, or {bytes, blocks} (either or both) as non-negative integers, got ${shownValue(expected)}`);
  return given as Partial<LeakSummary>;
}

/**
 * What became of a run's own allocations when none leaked: freed, or leaked but suppressed (and by which
 * rules), which a test that expects the leak must hear, not that all was freed.
 */
function noLeakOwn(result: RunResult, freed: string): string {
  const suppressed = result.suppressed;
  if (suppressed === undefined || suppressed.summary.blocks === 0) return freed;
  const rules = [...new Set(suppressed.leaks.map((leak) => leak.suppressedBy).filter((by): by is string => by !== undefined))];
  return `its leaks (${formatAmount(suppressed.summary)}) were suppressed${rules.length > 0 ? ` by ${rules.join(', ')}` : ''}`;
}

/**
 * Thrown, not a failed match, as Jest's own matchers do with a value of the wrong type: `.not` would turn a
 * failed match into a pass, and a forgotten await into a green test.
 */
function notARun(name: string, value: unknown): Error {
  // A thenable, not instanceof Promise: an async function of the test file's makes its Promise in another realm.
  const thenable = typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
  const got = thenable ? 'a Promise: await it, expect(await pmm.run(...))' : value === null ? 'null' : typeof value;
  return new Error(`${name} expects the result of pmm.run (or one of its children), got ${got}`);
}

/** Why nothing (or not all) of the run's allocations were recorded, so its empty leaks say nothing; null: they were. */
function notRecorded(result: RunResult): string | null {
  if (result.orphaned) return 'the test that started it ended before it finished: it was killed, and what it leaked is not known';
  if (result.hook === false) return 'it ran without the hook (hook: false): nothing was recorded';
  // A forked child (result.children[i]) whose hook could not reach pmm.ko, or that exec()ed a program the hook cannot enter.
  const child = result as { unhooked?: boolean; noDevice?: boolean };
  if (child.noDevice === true) return 'the hook in it could not reach pmm.ko (no descriptor of /dev/pmm left): what it allocated was not seen';
  if (child.unhooked === true) return 'it exec()ed a program the hook cannot enter: what that image allocated was not seen';
  if (result.timedOutBeforeHook) return 'the time ran out before the hook started in it: nothing was recorded';
  if (result.signalledBeforeHook) return `${result.signal ?? 'a signal'} ended it before the hook started: nothing was recorded`;
  return null;
}

/** Why the run's figures are only a lower bound (allocations pmm could not keep, past its caps); null: they are whole. */
function lowerBound(result: RunResult): string | null {
  const dropped = result.droppedRecords ?? 0;
  return dropped > 0 ? `pmm could not keep ${dropped} of its allocations (past its caps): its figures are a lower bound` : null;
}

/** Thrown, whether negated or not, when the run's figures cannot say what the matcher asks. */
function notKnown(name: string, result: RunResult, why: string): Error {
  return new Error(`${name}: pmm cannot tell of ${result.program ?? 'the process'}: ${why}`);
}

/** The received value as a run, or the matcher's error; and the error when nothing was recorded of it. */
function checkedRun(name: string, received: unknown): RunResult {
  if (!isRunResult(received)) throw notARun(name, received);
  const why = notRecorded(received);
  if (why !== null) throw notKnown(name, received, why);
  return received;
}

/**
 * Builds the matchers; acknowledge(result) is told of every run that toLeak checked, and
 * acknowledgeMismatches(result) of every run that toHaveMismatchedFrees checked.
 */
export function leakMatchers(acknowledge: (result: RunResult) => void, acknowledgeMismatches: (result: RunResult) => void = () => {}) {
  return {
    toHaveNoLeaks(value: unknown): MatcherResult {
      const received = checkedRun('toHaveNoLeaks', value);
      const pass = received.summary.blocks === 0;
      // A leak among those kept is a leak; none among them says nothing of those not kept.
      const partial = lowerBound(received);
      if (pass && partial !== null) throw notKnown('toHaveNoLeaks', received, partial);
      return {
        pass,
        message: () =>
          pass
            ? `expected ${received.program} to leak, but ${noLeakOwn(received, 'every allocation was freed')}`
            : formatLeakMessage(received.leaks, received.summary, received.program),
      };
    },
    toLeak(this: MatcherThis, value: unknown, given?: Partial<LeakSummary>): MatcherResult {
      const received = checkedRun('toLeak', value);
      const expected = leakExpectation(given);
      const { bytes, blocks } = received.summary;
      // Past the caps, only "it leaked" is known, and only when a kept block says so: not how much.
      const partial = lowerBound(received);
      if (partial !== null && (blocks === 0 || expected.bytes !== undefined || expected.blocks !== undefined)) throw notKnown('toLeak', received, partial);
      const pass =
        blocks > 0 &&
        (expected.bytes === undefined || expected.bytes === bytes) &&
        (expected.blocks === undefined || expected.blocks === blocks);
      const asked = [count(expected.bytes, 'byte'), count(expected.blocks, 'block')].filter(Boolean).join(' in ');
      const got = blocks > 0 ? `it leaked ${formatAmount(received.summary)}` : noLeakOwn(received, 'every allocation of its own was freed');
      // Counted apart, so that a run whose leaks are all its children's does not read as a matcher gone wrong.
      const children = summarize((received.children ?? []).map((child) => child.summary));
      const theirs = blocks === 0 && children.blocks > 0 ? ` (its forked children leaked ${formatAmount(children)}; toLeak counts the program's own)` : '';
      // Nothing at all can never be a leak: say which matcher asks that.
      const hint = expected.blocks === 0 || expected.bytes === 0 ? '; toHaveNoLeaks() asserts no leak' : '';
      // Only a leak the test asserted is known: not one a failed or negated (.not) toLeak looked at.
      if (pass && !this.isNot) acknowledge(received);
      return {
        pass,
        message: () =>
          pass
            ? `expected ${received.program} not to leak${asked ? ` ${asked}` : ''}, but ${got}`
            : `expected ${received.program} to leak${asked ? ` ${asked}` : ''}, but ${got}${theirs}${hint}`,
      };
    },
    /** The program's own mismatched releases (not its children's): count of them, or any when none is given. */
    toHaveMismatchedFrees(this: MatcherThis, value: unknown, expected?: number): MatcherResult {
      const received = checkedRun('toHaveMismatchedFrees', value);
      if (expected !== undefined && !(Number.isSafeInteger(expected) && expected >= 0)) {
        throw new Error(`toHaveMismatchedFrees expects nothing, or a count as a non-negative integer, got ${shownValue(expected)}`);
      }
      const got = received.mismatchedFrees;
      // A block pmm did not keep is released unmatched, not mismatched: the count is a lower bound.
      const partial = lowerBound(received);
      if (partial !== null && !(expected === undefined && got > 0)) throw notKnown('toHaveMismatchedFrees', received, partial);
      const pass = expected === undefined ? got > 0 : got === expected;
      if (pass && !this.isNot) acknowledgeMismatches(received);
      const wanted = expected === undefined ? 'a mismatched free/delete' : `${expected} mismatched free/delete${expected === 1 ? '' : 's'}`;
      const details = got > 0 ? `\n${formatMismatchMessage(received.mismatches, got, received.program)}` : '';
      return {
        pass,
        message: () =>
          pass
            ? `expected ${received.program} not to make ${wanted}, but it made ${got}${details}`
            : `expected ${received.program} to make ${wanted}, but it made ${got}${details}`,
      };
    },
  };
}
