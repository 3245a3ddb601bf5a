import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
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
});

test("a run without the hook (root's, in the guest) searches root's directories after the environment's PATH", () => {
  expect(rootSearchPath('/usr/bin:/bin')).toBe('/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin');
  expect(rootSearchPath('/usr/sbin:/usr/bin')).toBe('/usr/sbin:/usr/bin:/usr/local/sbin:/sbin');
  expect(rootSearchPath(undefined)).toBe('/usr/local/sbin:/usr/sbin:/sbin');
});
