import { leakFailureDetail } from '../leakReport';
import { callSiteOf, errorAtCallSite, testFrames, withCallSite } from '../callSite';

/** jest-message-util's separateMessageFromStack: the message ends before the first line that matches. */
const JEST_STACK_LINE = /\n\s*at\s.*:\d*:\d*/;

const STACK = [
  'Error',
  '    at Object.run (/project/leaks.test.js:10:13)',
  '    at Promise.then.completed (/project/node_modules/jest-circus/build/utils.js:298:28)',
  '    at new Promise (<anonymous>)',
  '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
].join('\n');

describe('testFrames', () => {
  test("keeps the test's own frames, not Jest's or Node's", () => {
    expect(testFrames(STACK)).toEqual(['    at Object.run (/project/leaks.test.js:10:13)']);
  });

  test("every frame when none is the test's (a package's helper called pmm.run)", () => {
    const helper = '    at run (/project/node_modules/helper/index.js:3:7)';
    expect(testFrames(`Error\n${helper}`)).toEqual([helper]);
    expect(testFrames('Error')).toEqual([]);
  });
});

test("callSiteOf names the caller's line and leaves out the called function's frame", () => {
  function calledByTheTest(): string[] {
    return callSiteOf(calledByTheTest);
  }
  const callSite = calledByTheTest();
  expect(callSite[0]).toMatch(/^ {4}at .*callSite\.test\.ts:\d+:\d+\)?$/);
  expect(callSite.join('\n')).not.toContain('calledByTheTest');
});

test("a report with C++ frames, then the call's stack: Jest's message is the whole report", () => {
  const frame = (fn: string, line: number) => ({ address: '0x401000', function: fn, file: '/src/shop.cc', line, object: null });
  const detail = leakFailureDetail({
    program: '/src/shop',
    summary: { bytes: 60, blocks: 2 },
    leaks: [
      { bytes: 40, blocks: 1, kinds: ['new'], frames: [frame('shop::Basket::fill(int)', 12), frame('main', 29)] },
      { bytes: 20, blocks: 1, kinds: ['new[]'], frames: [frame('int* shop::make<int>(int)', 18), frame('main', 30)] },
    ],
  });
  const failure = withCallSite(detail, ['    at Object.run (/project/leaks.test.js:10:13)']);
  expect(failure.stack).toBe(`${detail.stack}\n    at Object.run (/project/leaks.test.js:10:13)`);
  expect(failure.stack.slice(0, failure.stack.search(JEST_STACK_LINE))).toBe(detail.stack);
  expect(withCallSite(detail, [])).toBe(detail);
});

describe('errorAtCallSite', () => {
  const site = ['    at Object.run (/project/leaks.test.js:10:13)'];

  test("makes an error's stack its message and the call's lines, the same error still", () => {
    class ProgramError extends Error {
      name = 'ProgramError';
    }
    const err = new ProgramError('pmm: program does not exist: /nope\nsecond line');
    expect(errorAtCallSite(err, site)).toBe(err);
    expect(err.stack).toBe(`ProgramError: pmm: program does not exist: /nope\nsecond line\n${site[0]}`);
  });

  test('leaves what is not an Error, and an error when the call has no lines', () => {
    expect(errorAtCallSite('text', site)).toBe('text');
    const err = new Error('pmm: x');
    const stack = err.stack;
    expect(errorAtCallSite(err, [])).toBe(err);
    expect(err.stack).toBe(stack);
  });
});
