// `pmm junit-merge` as CI calls it, on the built CLI.
import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {junitSchemaErrors} from '../../reporters/__tests__/validateJunit';

const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'pmm.js');
const report = (name: string, failures: number): string =>
  `<?xml version="1.0"?>\n<testsuites name="jest tests" tests="1" failures="${failures}" errors="0" time="1"><testsuite name="${name}" tests="1" failures="${failures}" errors="0" skipped="0" time="1.5"><testcase classname="t" name="t" time="1.5" file="${name}"${failures ? '><failure message="m" type="MemoryLeak">at f (a.c:1)</failure></testcase>' : '/>'}</testsuite></testsuites>\n`;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-merge-'));
});
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

test('merges shards into a valid report and prints the totals', () => {
  fs.writeFileSync(path.join(dir, '1.xml'), report('a.test.js', 0));
  fs.writeFileSync(path.join(dir, '2.xml'), report('b.test.js', 1));
  const out = path.join(dir, 'merged', 'junit.xml');
  const run = spawnSync(process.execPath, [cli, 'junit-merge', out, path.join(dir, '1.xml'), path.join(dir, '2.xml')], {encoding: 'utf8'});
  expect(run.stderr).toBe(`pmm junit-merge: 2 reports, 2 tests, 1 failures, 0 errors: ${out}\n`);
  expect(run.status).toBe(0);
  expect(junitSchemaErrors(fs.readFileSync(out, 'utf8'))).toBeNull();
});

test.each([
  [[], 2, /give the output file, then one or more reports/],
  [['out.xml'], 2, /usage: pmm junit-merge OUT.xml IN.xml/],
  [['out.xml', '/nonexistent/shard.xml'], 1, /\/nonexistent\/shard.xml does not exist/],
  // Both said "give the output file, then one or more reports", which they had.
  [['-', 'a.xml'], 2, /^pmm junit-merge: - is no option it takes \(give \/dev\/stdout for standard output\)\n/],
  [['out.xml', '-x.xml'], 2, /^pmm junit-merge: -x.xml is no option it takes \(give .\/-x.xml for a file of that name\)\n/],
  // It exited 3, with Node's bare "EISDIR: illegal operation on a directory, read".
  [['out.xml', '/tmp'], 1, /^pmm junit-merge: cannot read \/tmp: EISDIR/],
])('junit-merge %j exits %d with a clear message', (args, status, message) => {
  const run = spawnSync(process.execPath, [cli, 'junit-merge', ...args], {encoding: 'utf8', cwd: os.tmpdir()});
  expect(run.status).toBe(status);
  expect(run.stderr).toMatch(message);
});

describe('an output that is there already', () => {
  const merge = (...args: string[]) => spawnSync(process.execPath, [cli, 'junit-merge', ...args], {encoding: 'utf8', cwd: dir});
  beforeEach(() => {
    fs.writeFileSync(path.join(dir, 'shard-1.xml'), report('a.test.js', 0));
    fs.writeFileSync(path.join(dir, 'shard-2.xml'), report('b.test.js', 1));
  });

  test('a shard taken for the output, as a glob does, is refused and kept', () => {
    const run = merge('shard-1.xml', 'shard-2.xml');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/shard-1.xml is a JUnit report that junit-merge did not write .* it would be overwritten/);
    expect(fs.readFileSync(path.join(dir, 'shard-1.xml'), 'utf8')).toBe(report('a.test.js', 0));
  });

  test('a report merged before is overwritten, and an output among the inputs takes in the new shards', () => {
    expect(merge('merged.xml', 'shard-1.xml').status).toBe(0);
    expect(merge('merged.xml', 'shard-1.xml', 'shard-2.xml').stderr).toMatch(/2 reports, 2 tests, 1 failures/);
    expect(merge('shard-1.xml', 'shard-1.xml', 'shard-2.xml').stderr).toMatch(/2 reports, 2 tests, 1 failures/);
    expect(merge('merged.xml', 'merged.xml', 'shard-2.xml').stderr).toMatch(/2 reports, 3 tests, 2 failures/);
    expect(junitSchemaErrors(fs.readFileSync(path.join(dir, 'merged.xml'), 'utf8'))).toBeNull();
  });

  test('an output that cannot be written is said, not thrown', () => {
    const run = merge(dir, 'shard-1.xml');
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`pmm junit-merge: cannot write ${dir}: EISDIR: illegal operation on a directory, open '${dir}'\n`);
  });
});

test('merged into /dev/stdout (> out.xml), the report is the whole file, and valid: the totals line goes to stderr', () => {
  // The line went to stdout too, over the report's first bytes.
  fs.writeFileSync(path.join(dir, '1.xml'), report('a.test.js', 0));
  const out = path.join(dir, 'out.xml');
  const fd = fs.openSync(out, 'w');
  const run = spawnSync(process.execPath, [cli, 'junit-merge', '/dev/stdout', path.join(dir, '1.xml')], {encoding: 'utf8', stdio: ['ignore', fd, 'pipe']});
  fs.closeSync(fd);
  expect(run.status).toBe(0);
  expect(junitSchemaErrors(fs.readFileSync(out, 'utf8'))).toBeNull();
  expect(run.stderr).toMatch(/^pmm junit-merge: 1 reports, 1 tests, 0 failures, 0 errors: \/dev\/stdout\n$/);
});

test("the merged report keeps the name the shards give the run (pmm run --junit's, a suiteName), where they agree", () => {
  const named = (name: string, file: string): string => report(file, 0).replace('name="jest tests"', `name="${name}"`);
  fs.writeFileSync(path.join(dir, '1.xml'), named('pmm run', 'a'));
  fs.writeFileSync(path.join(dir, '2.xml'), named('pmm run', 'b'));
  fs.writeFileSync(path.join(dir, '3.xml'), named('nightly', 'c'));
  const merged = (...inputs: string[]): string => {
    const out = path.join(dir, 'merged.xml');
    spawnSync(process.execPath, [cli, 'junit-merge', out, ...inputs.map((f) => path.join(dir, f))], {encoding: 'utf8'});
    return /<testsuites name="([^"]*)"/.exec(fs.readFileSync(out, 'utf8'))?.[1] ?? '';
  };
  expect(merged('1.xml', '2.xml')).toBe('pmm run');
  expect(merged('1.xml', '3.xml')).toBe('jest tests');
});
