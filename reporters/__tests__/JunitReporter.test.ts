// Tests the reporter's disk edge: it writes the report (creating folders), records instead of throwing
// when it cannot, and is what `jest-environment-pmm/junit` exports. Every written report is validated.

import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import {join} from 'path';
import type {Config} from '@jest/reporters';
import JunitReporter from '../JunitReporter';
import {UNFINISHED_MESSAGE} from '../unfinishedRun';
import {leakFailureDetail, summarize} from '../../harness/leakReport';
import {aggregated, testCase, testFile} from './results';
import {ProducedReports} from './validateJunit';

const produced = new ProducedReports();
let rootDir: string;

beforeEach(() => {
  rootDir = mkdtempSync(join(tmpdir(), 'pmm-junit-'));
});

afterEach(() => {
  rmSync(rootDir, {recursive: true, force: true});
  produced.check();
});

const globalConfig = (): Config.GlobalConfig => ({rootDir}) as Config.GlobalConfig;

const leaks = [{bytes: 64, blocks: 2, kinds: ['malloc' as const], frames: []}];
const RESULTS = aggregated([
  testFile('leaky.test.ts', [
    testCase('leaks', {status: 'failed', failureDetails: [JSON.parse(JSON.stringify(leakFailureDetail({program: './p', leaks, summary: summarize(leaks)})))]}),
    testCase('passes'),
  ]),
]);

it('writes the report under rootDir by default, creating the folder', () => {
  const reporter = new JunitReporter(globalConfig(), undefined);
  reporter.onRunComplete(new Set(), RESULTS);
  expect(reporter.getLastError()).toBeUndefined();
  expect(reporter.outputFile).toBe(join(rootDir, 'reports', 'pmm-junit.xml'));
  const xml = produced.add(readFileSync(reporter.outputFile, 'utf8'));
  expect(xml).toContain('<failure message="64 bytes in 2 blocks leaked" type="MemoryLeak">');
});

it('writes to the outputFile it is given, however deep', () => {
  const outputFile = join(rootDir, 'a', 'b', 'c', 'junit.xml');
  const reporter = new JunitReporter(globalConfig(), {outputFile});
  reporter.onRunComplete(new Set(), RESULTS);
  expect(reporter.getLastError()).toBeUndefined();
  produced.add(readFileSync(outputFile, 'utf8'));
});

/** What the reporter wrote on stderr while it ran: Jest prints no reporter's error, so it must. */
function stderrOf(run: () => void): string {
  let written = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written += String(chunk);
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return written;
}

it('records, says, and does not throw, when it cannot write: under a file, or onto a folder', () => {
  writeFileSync(join(rootDir, 'taken'), 'a file where a folder should be');
  mkdirSync(join(rootDir, 'folder.xml'));
  for (const [outputFile, error] of [['taken/junit.xml', /ENOTDIR|EEXIST/], ['folder.xml', /EISDIR/]] as const) {
    const reporter = new JunitReporter(globalConfig(), {outputFile});
    const said = stderrOf(() => expect(() => reporter.onRunComplete(new Set(), RESULTS)).not.toThrow());
    const message = reporter.getLastError()?.message;
    expect(message).toContain(`jest-environment-pmm/junit: could not write ${join(rootDir, outputFile)}: `);
    expect(message).toMatch(error);
    expect(said).toBe(`${message}\n`);
  }
});

it('prints its summary on stderr, as Jest its own, so that jest --json leaves stdout to the JSON', () => {
  const onStdout = jest.spyOn(process.stdout, 'write');
  try {
    const said = stderrOf(() => new JunitReporter(globalConfig(), {}).onRunComplete(new Set(), RESULTS));
    expect(said).toMatch(/^pmm: 2 tests in 1 file: 1 passed, 1 failed \(1 MemoryLeak\), 0 errors, 0 skipped\n[^]*pmm: JUnit report: /);
    expect(onStdout).not.toHaveBeenCalled();
  } finally {
    onStdout.mockRestore();
  }
  produced.add(readFileSync(join(rootDir, 'reports', 'pmm-junit.xml'), 'utf8'));
});

it('records, and does not throw, when Jest passes no results', () => {
  const reporter = new JunitReporter(globalConfig(), {});
  expect(() => reporter.onRunComplete(new Set(), undefined)).not.toThrow();
  expect(reporter.getLastError()?.message).toMatch(/no results/);
});

it('from the run\'s start says the run has no result, until the run\'s report replaces it (an interrupted run left the last run\'s)', () => {
  const reporter = new JunitReporter(globalConfig(), undefined);
  mkdirSync(join(rootDir, 'reports'));
  writeFileSync(reporter.outputFile, '<testsuites name="an earlier, green run"/>');
  reporter.onRunStart();
  const unfinished = produced.add(readFileSync(reporter.outputFile, 'utf8'));
  expect(unfinished).toContain(`type="TestSuiteError"`);
  expect(unfinished).toContain(UNFINISHED_MESSAGE);
  reporter.onRunComplete(new Set(), RESULTS);
  const xml = produced.add(readFileSync(reporter.outputFile, 'utf8'));
  expect(xml).not.toContain(UNFINISHED_MESSAGE);
  expect(xml).toContain('type="MemoryLeak"');
});

it('overwrites an earlier report', () => {
  mkdirSync(join(rootDir, 'reports'));
  writeFileSync(join(rootDir, 'reports', 'pmm-junit.xml'), 'old');
  const reporter = new JunitReporter(globalConfig());
  reporter.onRunComplete(new Set(), aggregated([testFile('clean.test.ts', [testCase('passes')])]));
  expect(produced.add(readFileSync(reporter.outputFile, 'utf8'))).not.toContain('old');
});

it('refuses a bad option when Jest builds it, naming the option', () => {
  expect(() => new JunitReporter(globalConfig(), {outputDir: 'x'})).toThrow(/unknown option "outputDir"/);
});

it('is the module export of jest-environment-pmm/junit, as Jest loads reporters', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  expect(require('../index')).toBe(JunitReporter);
});
