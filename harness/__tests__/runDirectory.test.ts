import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runDirectory } from '../runDirectory';

const fail = (message: string): Error => new Error(`pmm: ${message}`);
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-run-directory-'));
  fs.writeFileSync(path.join(dir, 'file'), '');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a directory is taken, a relative one resolved against this process\'s; none given is this process\'s', () => {
  expect(runDirectory(dir, fail)).toBe(dir);
  expect(runDirectory(`${dir}/./`, fail)).toBe(dir);
  expect(runDirectory(path.relative(process.cwd(), dir), fail)).toBe(dir);
  expect(runDirectory(undefined, fail)).toBe(process.cwd());
});

test.each([
  ['missing', 'nope', 'does not exist'],
  ['below a file', 'file/sub', 'does not exist'],
  ['a file', 'file', 'is not a directory'],
])('a cwd that is %s is refused, naming the option and the path', (_what, name, why) => {
  expect(() => runDirectory(path.join(dir, name), fail)).toThrow(`pmm: option "cwd": ${path.join(dir, name)} ${why}`);
});

test('this process\'s directory removed under it: said so, not as uv_cwd\'s ENOENT', () => {
  const before = process.cwd();
  const gone = fs.mkdtempSync(path.join(dir, 'gone-'));
  process.chdir(gone);
  try {
    fs.rmdirSync(gone);
    expect(() => runDirectory(undefined, fail)).toThrow(/^pmm: the current directory, where the program would run, no longer exists/);
    expect(() => runDirectory('relative', fail)).toThrow(/^pmm: the current directory, where the program would run, no longer exists/);
  } finally {
    process.chdir(before);
  }
});

test("a cwd holding a NUL character is refused in pmm's words, not Node's ERR_INVALID_ARG_VALUE", () => {
  expect(() => runDirectory(`${dir}/a\0b`, fail)).toThrow(`pmm: option "cwd" holds a NUL character, which no path can: "${dir}/a\\u0000b"`);
});
