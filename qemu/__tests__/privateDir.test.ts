// A folder at a name others could take first is used only when it is this user's own.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { privateDir } from '../privateDir';

let top: string;
beforeEach(() => {
  top = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-private-'));
});
afterEach(() => fs.rmSync(top, { recursive: true, force: true }));

test('a missing folder is made, closed to others', () => {
  const dir = path.join(top, 'logs');
  expect(privateDir(dir)).toBe(dir);
  expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  // Once made, it is taken again as it is.
  expect(privateDir(dir)).toBe(dir);
});

test('a link to a folder, a file, or a folder others may write in is refused, naming the folder and why', () => {
  const target = fs.mkdtempSync(path.join(top, 'target-'));
  fs.symlinkSync(target, path.join(top, 'link'));
  expect(() => privateDir(path.join(top, 'link'))).toThrow(`${path.join(top, 'link')}: not this user's own folder: it is not a folder (a link, or a file)`);
  fs.writeFileSync(path.join(top, 'file'), '');
  expect(() => privateDir(path.join(top, 'file'))).toThrow('it is not a folder (a link, or a file)');
  fs.mkdirSync(path.join(top, 'open'));
  fs.chmodSync(path.join(top, 'open'), 0o777);
  expect(() => privateDir(path.join(top, 'open'))).toThrow('anyone may write in it');
});

test("the user's own folder open to the group (an umask of 002) is closed, not refused", () => {
  const dir = path.join(top, 'grouped');
  fs.mkdirSync(dir);
  fs.chmodSync(dir, 0o775);
  expect(privateDir(dir)).toBe(dir);
  expect(fs.statSync(dir).mode & 0o777).toBe(0o755);
});

test('no folder is made in a parent anyone may write in that is not sticky, as /tmp is', () => {
  fs.chmodSync(top, 0o777);
  expect(() => privateDir(path.join(top, 'logs'))).toThrow(`${top}: others may write in it and it is not sticky (as /tmp is), so no folder of pmm's there is safe`);
  expect(fs.existsSync(path.join(top, 'logs'))).toBe(false);
  fs.chmodSync(top, 0o1777);
  expect(privateDir(path.join(top, 'logs'))).toBe(path.join(top, 'logs'));
});

const asRoot = process.getuid?.() === 0 ? test : test.skip;

asRoot("another user's folder is refused: what root writes there would follow that user's links", () => {
  const theirs = path.join(top, 'theirs');
  fs.mkdirSync(theirs, { mode: 0o755 });
  fs.chownSync(theirs, 65534, 65534);
  expect(() => privateDir(theirs)).toThrow('it belongs to another user (uid 65534)');
});
