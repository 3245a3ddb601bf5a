// The hook's settings a program's environment gives it: a value the hook would have read as its default
// without a word is refused before the run.
import { checkHookSettings, withHookedDefaults } from '../hookEnvironment';

const refusal = (env: Record<string, string>): string | null => {
  try {
    checkHookSettings(env, (message) => new Error(message));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
};

test.each([
  [{ PMM_STACK_DEPTH: '0' }], [{ PMM_STACK_DEPTH: '16' }], [{ PMM_STACK_UNWIND: 'fp' }], [{ PMM_STACK_UNWIND: 'backtrace' }],
  [{ PMM_STACK_UNWIND: '' }], [{ PMM_HOOKS_ACTIVE: '0' }], [{ PMM_HOOKS_ACTIVE: '1' }], [{ PMM_LIBC_FREERES: '0' }], [{ PATH: '/bin' }],
])('takes %j', (env) => {
  expect(refusal(env)).toBeNull();
});

test.each([
  [{ PMM_STACK_DEPTH: '17' }, 'PMM_STACK_DEPTH="17" in the program\'s environment: the hook takes a number of frames from 0 to 16'],
  [{ PMM_STACK_DEPTH: 'abc' }, 'PMM_STACK_DEPTH="abc" in the program\'s environment: the hook takes a number of frames from 0 to 16'],
  [{ PMM_STACK_DEPTH: '-1' }, 'PMM_STACK_DEPTH="-1" in the program\'s environment: the hook takes a number of frames from 0 to 16'],
  [{ PMM_STACK_UNWIND: 'cfi' }, 'PMM_STACK_UNWIND="cfi" in the program\'s environment: the hook takes "fp" or "backtrace" (unset: the cached CFI rules)'],
  [{ PMM_HOOKS_ACTIVE: 'off' }, 'PMM_HOOKS_ACTIVE="off" in the program\'s environment: the hook takes 0 (recording off at start) or 1'],
  [{ PMM_LIBC_FREERES: 'no' }, 'PMM_LIBC_FREERES="no" in the program\'s environment: the hook takes 0 (no exit-time freeres) or 1'],
])('refuses %j', (env, message) => {
  expect(refusal(env)).toBe(message);
});

test('a hooked run gets GLIBCXX_FORCE_NEW unless it has a value of its own', () => {
  expect(withHookedDefaults({ A: '1' })).toEqual({ A: '1', GLIBCXX_FORCE_NEW: '1' });
  expect(withHookedDefaults({ GLIBCXX_FORCE_NEW: '0' })).toEqual({ GLIBCXX_FORCE_NEW: '0' });
});
