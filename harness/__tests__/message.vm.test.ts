// A failing test's report reaches the user whole, as a child Jest on suites/message prints it: under
// --noStackTrace, which drops what Jest takes for a failure's stack, and without it, which re-indents that,
// with Jest 29 and 30. Jest took the first frame that looked like a JavaScript stack line (a C++ frame's "::"
// did) for the stack's start, or with none only the report's first line for the message.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { junitSchemaErrors } from '../../reporters/__tests__/validateJunit';
import { runChildJest, testTitled, type ChildJest } from './childJest';

const C_LEAKS = 'message: a C program that leaks in three places';
const CXX_LEAKS = 'message: a C++ program that leaks through a member function and an inlined template';
const MISMATCHES = 'message: a C++ program that releases blocks with the wrong call';
const REFUSED = 'message: a program that does not exist';
const BAD_INPUT = 'message: a program whose input stream fails';

/** A failure's report as pmm wrote it: its text before the stack lines of the test's pmm.run call. */
function reportOf(failure: string): string {
  const lines = failure.split('\n');
  const callSite = lines.findIndex((line) => /^\s*at\s/.test(line));
  expect(callSite).toBeGreaterThan(0);
  return lines.slice(0, callSite).join('\n');
}

/** The report as Jest prints a failure's message: every line indented by four spaces, none left out. */
const printed = (report: string): string => report.replace(/^(?!$)/gm, '    ');

const stripAnsi = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');

beforeAll(() => {
  // The suite runs two of the hook's test programs.
  execFileSync('make', ['-C', path.join(__dirname, '..', '..', 'hooklib'), 'test-programs'], { stdio: 'pipe' });
});

describe.each([
  ['Jest 29 with --noStackTrace', 'jest', ['--noStackTrace']],
  ['Jest 29', 'jest', []],
  ['Jest 30 with --noStackTrace', 'jest30', ['--noStackTrace']],
  ['Jest 30', 'jest30', []],
] as const)('%s', (_, jest, args) => {
  let run: ChildJest;

  beforeAll(async () => {
    run = await runChildJest('message', ['-w', '1', ...args], { jest });
  }, 180_000);

  afterAll(() => fs.rmSync(run.tmpdir, { recursive: true, force: true }));

  const reportsOf = (title: string): string[] => {
    const test = testTitled(run, title);
    expect(test.status).toBe('failed');
    return test.failureMessages.map(reportOf);
  };

  test('the reports hold every group and frame, C++ ones too', () => {
    const c = reportsOf(C_LEAKS).join('\n');
    for (const group of ['300 bytes in 1 block (realloc)', '200 bytes in 1 block (calloc)', '100 bytes in 1 block (malloc)']) expect(c).toContain(`\n  ${group}\n`);
    for (const fn of ['leak_realloc', 'leak_calloc', 'leak_malloc']) expect(c).toMatch(new RegExp(`\n    by ${fn} \\(.*leak_three_blocks\\.c:\\d+\\)\n    by main \\(`));
    expect(reportsOf(CXX_LEAKS).join('\n')).toMatch(/\n {4}by shop::Basket::fill\(int\) \(.*cxx_names\.cc:\d+\)\n {4}by main \(/);
    expect(reportsOf(MISMATCHES).join('\n')).toMatch(/\n {2}new\[\] block of 40 bytes released with delete\n {4}by array_by_delete \(.*\n {4}by main \(.*\n {2}allocated with new\[\]\n {4}by array_by_delete \(.*\n {4}by main \(.*\n {2}new block/);
  });

  test('Jest prints each report whole, indented as it is', () => {
    const output = stripAnsi(run.stderr);
    for (const title of [C_LEAKS, CXX_LEAKS, MISMATCHES]) for (const report of reportsOf(title)) expect(output).toContain(printed(report));
  });

  test('the JUnit report is valid', () => {
    expect(junitSchemaErrors(run.junit)).toBeNull();
  });

  // Below their message came pmm's frames and Jest's (in the JUnit text too), and Jest's code frame was pmm's
  // source; an input stream's error had no frame of the test's at all. The JUnit message started "ProgramError: ".
  test("an error pmm.run rejects with says pmm's words and the test's lines, no frame of pmm's or Jest's", () => {
    for (const [title, words] of [
      [REFUSED, 'ProgramError: pmm: program does not exist: /nonexistent/pmm-message-program'],
      [BAD_INPUT, "InputStreamError: pmm: reading the program's input failed: the disk went away"],
    ]) {
      const test = testTitled(run, title);
      expect(test.status).toBe('failed');
      const failure = stripAnsi(test.failureMessages[0]);
      expect(failure.startsWith(words)).toBe(true);
      expect(failure).not.toMatch(/runProgram|PmmEnvironment|GuestChannel|jest-circus/);
      if (!args.includes('--noStackTrace')) expect(failure).toMatch(/\n {4}at .*report\.test\.js:\d+:\d+\)?$/);
    }
    expect(run.junit).toContain('<error message="pmm: program does not exist: /nonexistent/pmm-message-program" type="PmmError">');
  });

  if (!args.includes('--noStackTrace')) {
    test("after the report, Jest shows the test's call of pmm.run, as for a failed expect", () => {
      const output = stripAnsi(run.stderr);
      expect(output).toMatch(/> \d+ \| {3}await pmm\.run\(hookProgram\('cxx_names'\)\);/);
      expect(output).toMatch(/^ {6}at .*report\.test\.js:\d+:\d+\)?$/m);
    });
  }
});
