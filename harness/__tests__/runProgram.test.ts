import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ProgramStartError } from '../programError';
import { resolveProgram, rootSearchPath, symbolizeRunWith, type RawRun } from '../runProgram';

// What pmd answers for a run with hook: false: no records, no object map, and no children list.
const unhookedRun: RawRun = {
  result: { program: '/bin/echo', args: ['ok'], exitCode: 0, signal: null, timedOut: false, stdout: 'ok\n', stderr: '' },
  records: [],
  mismatches: [],
  mismatchedFrees: 0,
  unmatchedFrees: 0,
  droppedRecords: 0,
  maps: '',
  earlierMaps: [],
  unhooked: false,
};

test('a run without the hook has children [], as it has leaks [], so result.children[i] is always there to ask', async () => {
  const result = await symbolizeRunWith(unhookedRun, null);
  expect(result).toMatchObject({ leaks: [], summary: { bytes: 0, blocks: 0 }, mismatches: [], children: [] });
});

describe('resolveProgram', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-resolve-'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.copyFileSync('/bin/true', path.join(dir, 'bin', 'pmm-on-path'));
    fs.chmodSync(path.join(dir, 'bin', 'pmm-on-path'), 0o755);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a name is looked up in the PATH of the program's environment, as child_process.spawn does", () => {
    expect(resolveProgram('pmm-on-path', '/', `/nonexistent:${dir}/bin:/usr/bin:/bin`)).toBe(path.join(dir, 'bin', 'pmm-on-path'));
    expect(() => resolveProgram('pmm-on-path', '/', '/usr/bin:/bin')).toThrow('pmm: program not found on PATH: pmm-on-path');
  });

  test("a relative PATH entry is relative to the program's working directory", () => {
    expect(resolveProgram('pmm-on-path', dir, 'bin')).toBe(path.join(dir, 'bin', 'pmm-on-path'));
  });

  test('an empty PATH entry is the working directory, and a directory of the name is passed over, as execvp does', () => {
    expect(resolveProgram('pmm-on-path', path.join(dir, 'bin'), '/usr/bin::/bin')).toBe(path.join(dir, 'bin', 'pmm-on-path'));
    fs.mkdirSync(path.join(dir, 'true'));
    expect(resolveProgram('true', '/', `${dir}:/usr/bin:/bin`)).toBe('/usr/bin/true');
  });

  /** What resolveProgram throws: its words, and whether the program is missing (127) or refused (126). */
  function refusal(run: () => string): [string, boolean] {
    try {
      run();
    } catch (err) {
      if (err instanceof ProgramStartError) return [err.message, err.missing];
      throw err;
    }
    throw new Error('resolveProgram did not refuse');
  }

  test('only a name that is not there is missing; one there but refused is not, as a shell and env(1) tell them apart', () => {
    fs.symlinkSync('loop', path.join(dir, 'loop'));
    fs.symlinkSync('nowhere', path.join(dir, 'dangling'));
    fs.writeFileSync(path.join(dir, 'data'), 'not a program\n', { mode: 0o644 });
    expect(refusal(() => resolveProgram(path.join(dir, 'nope'), '/'))).toEqual([`pmm: program does not exist: ${dir}/nope`, true]);
    expect(refusal(() => resolveProgram(path.join(dir, 'dangling'), '/'))).toEqual([`pmm: program does not exist: ${dir}/dangling`, true]);
    expect(refusal(() => resolveProgram('pmm-nowhere', '/', '/usr/bin'))).toEqual(['pmm: program not found on PATH: pmm-nowhere', true]);
    expect(refusal(() => resolveProgram(path.join(dir, 'loop'), '/'))).toEqual([`pmm: program cannot be looked at (ELOOP): ${dir}/loop`, false]);
    expect(refusal(() => resolveProgram(path.join(dir, 'data', 'x'), '/'))).toEqual([`pmm: program cannot be looked at (ENOTDIR): ${dir}/data/x`, false]);
    expect(refusal(() => resolveProgram(path.join(dir, 'data'), '/'))).toEqual([`pmm: program is not executable: ${dir}/data`, false]);
  });

  test('a program that is no path is refused in words of its own', () => {
    expect(() => resolveProgram(undefined as unknown as string, '/')).toThrow('pmm: no program given');
    expect(() => resolveProgram(7 as unknown as string, '/')).toThrow('pmm: the program must be a path or a name on PATH (a string), got 7');
    // Node's ERR_INVALID_ARG_VALUE, with a PATH folder it tried, was the message.
    expect(() => resolveProgram('ec\0ho', '/', '/usr/bin')).toThrow(`pmm: the program's path holds a NUL character, which no path can: "ec\\u0000ho"`);
  });

  test('on PATH, a file of the name that is not executable is passed over for one that is, and named when none is', () => {
    fs.mkdirSync(path.join(dir, 'plain'));
    fs.writeFileSync(path.join(dir, 'plain', 'pmm-on-path'), 'not a program\n', { mode: 0o644 });
    expect(resolveProgram('pmm-on-path', '/', `${dir}/plain:${dir}/bin`)).toBe(path.join(dir, 'bin', 'pmm-on-path'));
    expect(refusal(() => resolveProgram('pmm-on-path', '/', `${dir}/plain:/usr/bin`))).toEqual([`pmm: program is not executable: ${dir}/plain/pmm-on-path`, false]);
  });
});

test("a run without the hook (root's, in the guest) searches root's directories after the environment's PATH", () => {
  expect(rootSearchPath('/usr/bin:/bin')).toBe('/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin');
  expect(rootSearchPath('/usr/sbin:/usr/bin')).toBe('/usr/sbin:/usr/bin:/usr/local/sbin:/sbin');
  expect(rootSearchPath(undefined)).toBe('/usr/local/sbin:/usr/sbin:/sbin');
});
