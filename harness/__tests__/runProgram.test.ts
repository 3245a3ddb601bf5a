import { symbolizeRunWith, type RawRun } from '../runProgram';

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
