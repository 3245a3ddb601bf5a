// The environment as a user meets it: the example suite under `jest --env pmm`, run in a child Jest. The
// leaking program's test must fail with its functions and lines, in Jest's results and in valid JUnit.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { junitSchemaErrors } from '../../reporters/__tests__/validateJunit';

const root = path.join(__dirname, '..', '..');
const leakSource = path.join(root, 'fixtures', 'leak_three_blocks.c');

interface AssertionResult {
  title: string;
  status: string;
  failureMessages: string[];
}

let tests: AssertionResult[] = [];
let junit = '';
let jestStatus: number | null = null;

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-env-test-'));
  const junitFile = path.join(dir, 'junit.xml');
  const resultsFile = path.join(dir, 'results.json');
  const jest = spawnSync(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--config', path.join(root, 'examples', 'jest.config.js'), '--env', 'pmm',
      '--json', '--outputFile', resultsFile],
    { cwd: root, encoding: 'utf8', env: { ...process.env, PMM_JUNIT_OUTPUT_FILE: junitFile }, timeout: 170_000 },
  );
  jestStatus = jest.status;
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as { testResults: Array<{ assertionResults: AssertionResult[] }> };
  tests = results.testResults.flatMap((r) => r.assertionResults);
  junit = fs.readFileSync(junitFile, 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
}, 180_000);

test('the suite fails, because one of its tests leaks', () => {
  expect(jestStatus).toBe(1);
});

test('the clean program passes', () => {
  expect(tests.find((t) => t.title.startsWith('clean_exit'))?.status).toBe('passed');
});

test('the leaking program fails without asserting anything about leaks, naming each leak', () => {
  const leaky = tests.find((t) => t.title.startsWith('leak_three_blocks'));
  expect(leaky?.status).toBe('failed');
  const message = leaky?.failureMessages.join('\n') ?? '';
  expect(message).toContain('600 bytes in 3 blocks leaked by');
  expect(message).toContain(`by leak_malloc (${leakSource}:9)`);
  expect(message).toContain(`by leak_calloc (${leakSource}:14)`);
  expect(message).toContain(`by leak_realloc (${leakSource}:21)`);
});

test("the clean test's case carries its figures too: nothing leaked", () => {
  const clean = junit.slice(junit.indexOf('<testcase classname="clean_exit'), junit.indexOf('</testcase>', junit.indexOf('<testcase classname="clean_exit')));
  expect(clean).toContain('<property name="pmm.leaked.bytes" value="0"/>');
  expect(clean).toContain('<property name="pmm.leaked.blocks" value="0"/>');
});

test('the JUnit report is valid and carries the leak as a MemoryLeak failure with its frames', () => {
  expect(junitSchemaErrors(junit)).toBeNull();
  expect(junit).toContain('<failure message="600 bytes in 3 blocks leaked" type="MemoryLeak">');
  expect(junit).toContain(`by leak_realloc (${leakSource}:21)`);
  expect(junit).toContain('<property name="pmm.leaked.bytes" value="600"/>');
  expect(junit).toContain('<property name="pmm.leaked.blocks" value="3"/>');
});
