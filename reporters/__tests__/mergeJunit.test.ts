// Merging shards' reports: every merged document is checked against junit.xsd in the afterEach.
import {buildJunit} from '../buildJunit';
import {mergeJunit} from '../mergeJunit';
import {renderJunit} from '../renderJunit';
import {leakFailureDetail, summarize} from '../../harness/leakReport';
import type {Leak} from '../../harness/types';
import {aggregated, ROOT_DIR, testCase, testFile} from './results';
import {ProducedReports} from './validateJunit';

const produced = new ProducedReports();
afterEach(() => produced.check());

const OPTIONS = {rootDir: ROOT_DIR, suiteName: 'jest tests', ancestorSeparator: ' '};
const LEAKS: Leak[] = [{bytes: 600, blocks: 3, kinds: ['malloc'], frames: [{address: '0x1', function: 'leak_malloc', file: '/src/a & b.c', line: 9, object: null}]}];
const leak = leakFailureDetail({program: './leak', leaks: LEAKS, summary: summarize(LEAKS)});

const shard1 = renderJunit(buildJunit(aggregated([testFile('a.test.js', [testCase('clean'), testCase('skip me', {status: 'pending'})])]), OPTIONS));
const shard2 = renderJunit(
  buildJunit(aggregated([testFile('b.test.js', [testCase('leaks & more', {status: 'failed', failureDetails: [leak], failureMessages: ['x']})])]), OPTIONS),
);

test('the merged report holds every suite, in order, with totals recomputed', async () => {
  const merged = produced.add(await mergeJunit([['1.xml', shard1], ['2.xml', shard2]], 'jest tests'));
  expect(merged).toMatch(/<testsuites name="jest tests" tests="3" failures="1" errors="0" time="3.000">/);
  expect([...merged.matchAll(/<testsuite name="([^"]+)"/g)].map(m => m[1])).toEqual(['a.test.js', 'b.test.js']);
});

test('cases keep their attributes, properties, skipped marks and escaped failure text', async () => {
  const merged = produced.add(await mergeJunit([['1.xml', shard1], ['2.xml', shard2]], 'jest tests'));
  expect(merged).toContain('<testcase classname="leaks &amp; more" name="leaks &amp; more" time="0.012" file="b.test.js">');
  expect(merged).toContain('<property name="pmm.leaked.bytes" value="600"/>');
  expect(merged).toContain('by leak_malloc (/src/a &amp; b.c:9)');
  expect(merged).toContain('<skipped/>');
});

test('merging one report gives the same cases back', async () => {
  const merged = produced.add(await mergeJunit([['2.xml', shard2]], 'jest tests'));
  expect(merged.slice(merged.indexOf('<testsuite '))).toBe(shard2.slice(shard2.indexOf('<testsuite ')));
});

test("a suite's time that is no number (another tool's report) counts as none in the totals, which said NaN", async () => {
  // Not checked against junit.xsd: that suite, copied as it is, is not valid.
  const odd = shard2.replace(/(<testsuite name="b.test.js"[^>]*) time="[^"]*"/, '$1 time="soon"');
  const merged = await mergeJunit([['1.xml', shard1], ['odd.xml', odd]], 'jest tests');
  expect(merged).toMatch(/<testsuites name="jest tests" tests="3" failures="1" errors="0" time="1.500">/);
});

test('an empty shard (no test files) adds nothing', async () => {
  const empty = renderJunit(buildJunit(aggregated([]), OPTIONS));
  const merged = produced.add(await mergeJunit([['e.xml', empty], ['1.xml', shard1]], 'jest tests'));
  expect(merged).toMatch(/<testsuites name="jest tests" tests="2" failures="0" errors="0"/);
});

test.each([
  ['not XML', 'x.xml is not XML'],
  ['<html/>', 'x.xml is not a JUnit report: its root is neither <testsuites> nor <testsuite>'],
])('%j is refused, naming the file', async (xml, message) => {
  await expect(mergeJunit([['x.xml', xml]], 'n')).rejects.toThrow(message);
});
