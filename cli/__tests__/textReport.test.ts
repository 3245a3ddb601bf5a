// The text `pmm run` prints of a run's forked children: the leaks of the first ones with their stacks, a
// line each for all of them.
import type { RawRun } from '../../harness/runProgram';
import type { ChildResult, RunResult } from '../../harness/types';
import { LEAKING_PROCESSES_LISTED } from '../../harness/verdict';
import { textReport } from '../textReport';

const frame = { address: '0x401136', function: 'make_node', file: '/src/tree.c', line: 12, object: '/src/tree' };

function child(pid: number, bytes: number): ChildResult {
  const leaks = bytes > 0 ? [{ bytes, blocks: 1, kinds: ['malloc' as const], frames: [frame] }] : [];
  return {
    pid, program: '/src/tree', exitCode: 0, signal: null, unhooked: false, leaks,
    summary: { bytes, blocks: leaks.length }, mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0,
  };
}

function report(children: ChildResult[]): Promise<string> {
  const result: RunResult = {
    program: '/bin/sh', args: [], exitCode: 0, signal: null, timedOut: false, stdout: '', stderr: '',
    leaks: [], summary: { bytes: 0, blocks: 0 }, mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0, children,
  };
  const raw = { result, records: [], mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0, droppedRecords: 0, maps: '', unhooked: false } as unknown as RawRun;
  return textReport(raw, result, [], []);
}

test('a leaking child gets its stacks, a clean one no line', async () => {
  const text = await report([child(101, 0), child(102, 40)]);
  expect(text).toContain('40 bytes in 1 block leaked by forked child 102 (/src/tree)\n  40 bytes in 1 block (malloc)\n    at make_node (/src/tree.c:12)\n');
  expect(text).toContain('pmm: forked child 102 (/src/tree): 40 bytes in 1 block leaked\n');
  expect(text).not.toContain('forked child 101');
});

test(`the stacks of the first ${LEAKING_PROCESSES_LISTED} leaking children; the others say --json has them`, async () => {
  const children = Array.from({ length: LEAKING_PROCESSES_LISTED + 2 }, (_, i) => child(200 + i, 8));
  const text = await report(children);
  expect(text.match(/^8 bytes in 1 block leaked by forked child \d+/gm)).toHaveLength(LEAKING_PROCESSES_LISTED);
  const last = 200 + LEAKING_PROCESSES_LISTED + 1;
  expect(text).toContain(`pmm: forked child ${last - 2} (/src/tree): 8 bytes in 1 block leaked\n`);
  expect(text).toContain(`pmm: forked child ${last} (/src/tree): 8 bytes in 1 block leaked (--json lists them)\n`);
});
