// A program the guest runs out of memory for: the out-of-memory killer's SIGKILL looks like any other, so
// pmd counts the guest's OOM kills over the run and the result says it was one, with what to raise.
import * as path from 'path';
import type {} from '../globals';
import { faultFailureDetail } from '../faults';

const eatMemory = path.join(__dirname, '..', '..', 'fixtures', 'bin', 'eat_memory');

test("a program the guest's out-of-memory killer ends is reported as that, with its leaks up to then", async () => {
  const result = await pmm.run(eatMemory, [], { allowFault: true });
  expect([result.signal, result.timedOut, result.stdout]).toEqual(['SIGKILL', false, '']);
  expect(result.oomKills).toBeGreaterThanOrEqual(1);
  expect(faultFailureDetail(result, 'killed').message).toMatch(
    /eat_memory was killed by SIGKILL: the guest ran out of memory \(its out-of-memory killer ended \d+ process(es)? during the run; raise the memoryMiB option or PMM_MEMORY_MIB\); \d+ bytes in \d+ blocks leaked up to then/,
  );
  // Every block it had until then is there: 1 MiB each, from main.
  expect(result.summary.bytes).toBe(result.summary.blocks * 2 ** 20);
  expect(result.leaks.map((l) => l.frames[0]?.function)).toEqual(['main']);
  expect(result).toLeak();
});

test('a SIGKILL with no out-of-memory kill says nothing of memory', async () => {
  const result = await pmm.run(path.join(__dirname, '..', '..', 'fixtures', 'bin', 'kill_self'), [], { allowFault: true });
  expect(result.signal).toBe('SIGKILL');
  expect(result.oomKills).toBeUndefined();
  expect(result).toLeak();
});
