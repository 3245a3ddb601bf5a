// Where a test called pmm.run, as JavaScript stack lines, for the end of that run's failures. Jest splits a
// failure at its first line that looks like a stack's: what comes before is the message, kept whole under
// --noStackTrace and indented as it is; what follows, the stack, is dropped there and re-indented otherwise.
// A report that ends with the call's own stack is all message, and Jest shows the test's line as it does
// for a failed expect.

/** A line of a V8 stack: "    at fn (file:line:column)". */
const STACK_LINE = /^\s*at\s/;

/** Code that is no test's own: Jest's and the other packages', Node's, and V8's own (no file). */
const NOT_THE_TEST = /[/\\]node_modules[/\\]|\(node:|^\s*at node:|\((<anonymous>|native)\)$/;

/**
 * The stack lines of the calls that led to calledFn (calledFn's own frame and those above it left out):
 * those of the test's code, or every one when none is (a call from a package's helper).
 */
export function callSiteOf(calledFn: (...args: never[]) => unknown): string[] {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  // A test's code is seldom more than a few calls deep; Jest's own frames below it are left out anyway.
  Error.stackTraceLimit = 20;
  let stack = '';
  try {
    Error.captureStackTrace(holder, calledFn);
    stack = holder.stack ?? '';
  } catch {
    // Formatting the stack ran a test's mock: Jest's source maps call path.dirname, which the test may have
    // replaced with one that throws. The report then goes without the call's lines.
  } finally {
    Error.stackTraceLimit = limit;
  }
  return testFrames(stack);
}

/** The frames of a V8 stack that are the test's code, or all of them when none is. */
export function testFrames(stack: string): string[] {
  const frames = stack.split('\n').filter((line) => STACK_LINE.test(line));
  const own = frames.filter((line) => !NOT_THE_TEST.test(line));
  return own.length > 0 ? own : frames;
}

/** A failure with the call's stack after its report (the report, as Jest reads it, is then its message). */
export function withCallSite<T extends { stack: string }>(failure: T, callSite: readonly string[]): T {
  return callSite.length === 0 ? failure : { ...failure, stack: [failure.stack, ...callSite].join('\n') };
}

/**
 * An error pmm.run rejects with (a program it refuses, a bad option, a VM that failed), its stack made the
 * call's: below its message came pmm's own frames, then Jest's, and Jest showed pmm's source as the code
 * frame (an installed package's, through a link); an error an event raised (the program's input stream
 * failing) had no frame of the test's at all. Not an Error: left as it is.
 */
export function errorAtCallSite(err: unknown, callSite: readonly string[]): unknown {
  if (!(err instanceof Error) || callSite.length === 0) return err;
  err.stack = [`${err.name}: ${err.message}`, ...callSite].join('\n');
  return err;
}
