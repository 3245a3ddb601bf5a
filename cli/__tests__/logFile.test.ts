// checkOutputFiles: a file pmm writes must not be one the run reads, or the other one it writes, by any name.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkOutputFiles } from '../logFile';

// Made when the file loads: the tables below name paths in it.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-outputs-'));
const at = (name: string): string => path.join(dir, name);

beforeAll(() => {
  fs.writeFileSync(at('rules.supp'), 'leak:x\n');
  fs.linkSync(at('rules.supp'), at('hard.supp'));
  fs.symlinkSync('rules.supp', at('soft.supp'));
  fs.symlinkSync('later.xml', at('dangling.xml'));
  fs.mkdirSync(at('sub'));
  fs.symlinkSync(dir, at('sub/up'));
  fs.writeFileSync(at('in.txt'), 'input\n');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const supp = () => [{ file: at('rules.supp'), what: 'the suppression file' }];
const out = (file: string, what = '--log-file') => ({ file, what });

test.each([
  ['the suppression file itself', () => [out(at('rules.supp'))], /--log-file \S+rules\.supp is the suppression file \S+rules\.supp as well/],
  ['a hard link to it', () => [out(at('hard.supp'))], /is the suppression file/],
  ['a symbolic link to it', () => [out(at('soft.supp'))], /is the suppression file/],
  ['it through a linked folder', () => [out(at('sub/up/rules.supp'))], /is the suppression file/],
  ['one new file twice, by two names', () => [out(at('r.xml')), out(path.relative(process.cwd(), at('r.xml')), '--junit')], /--junit \S+r\.xml is the file --log-file writes as well/],
  ['a dangling link and the file it would make', () => [out(at('later.xml')), out(at('dangling.xml'), '--junit')], /--junit \S+dangling\.xml is the file --log-file writes/],
])('refused: %s', (_name, outputs, message) => {
  expect(() => checkOutputFiles(outputs(), supp(), null)).toThrow(message);
});

test('stdin redirected from the file refuses it', () => {
  const stdin = fs.statSync(at('in.txt'));
  expect(() => checkOutputFiles([out(at('in.txt'))], [], stdin)).toThrow(/^pmm: --log-file \S+in\.txt is standard input as well: pmm would write over it; give --log-file another file$/);
});

test("stdin's own pipe (/dev/stdin when it is one) is refused; another pipe is taken", () => {
  execFileSync('mkfifo', [at('in.fifo'), at('other.fifo')]);
  const stdin = fs.statSync(at('in.fifo'));
  expect(() => checkOutputFiles([out(at('in.fifo'))], [], stdin)).toThrow(
    /^pmm: --log-file \S+in\.fifo is standard input's pipe as well: writing into it, pmm would keep it from ever ending; give --log-file another file$/,
  );
  expect(() => checkOutputFiles([out(at('other.fifo'))], [], stdin)).not.toThrow();
});

test.each([
  ['two files of their own', [out(at('a.log')), out(at('b.xml'), '--junit')]],
  ['/dev/null for both (it loses nothing)', [out('/dev/null'), out('/dev/null', '--junit')]],
  ['a file in a folder that is not there (the open says so)', [out(at('none/x.log'))]],
])('taken: %s', (_name, outputs) => {
  expect(() => checkOutputFiles(outputs, supp(), fs.statSync('/dev/null'))).not.toThrow();
});
