import { outputNote, readOnlyNote, releaseNotes } from '../releaseNotes';

test.each([
  [{ unmatchedFrees: 0 }, []],
  [{ unmatchedFrees: 0, droppedRecords: 0 }, []],
  [{ unmatchedFrees: 1 }, ['1 free (or realloc) of a block never seen allocated: a double free, a pointer no allocator gave, or a block allocated while hooks_active was off']],
  [{ unmatchedFrees: 2, droppedRecords: 1 }, [
    '2 frees (or reallocs) of blocks never seen allocated: a double free, a pointer no allocator gave, or a block allocated while hooks_active was off, or one of the allocations not kept (below)',
    "1 allocation was not kept, past the most that pmm keeps (of one process: pmm.ko's max_records, 1,000,000 by default; of all the run's processes together: its max_total_records, 2,000,000 by default; in host mode 1,000,000 of each): the leak figures are a lower bound",
  ]],
])('%j says %j', (process, notes) => {
  expect(releaseNotes(process)).toEqual(notes);
});

test("a forked child's unmatched frees are not said (it frees what its parent allocated), its dropped records are", () => {
  expect(releaseNotes({ unmatchedFrees: 3, droppedRecords: 2 }, true)).toEqual(["2 allocations were not kept, past the most that pmm keeps (of one process: pmm.ko's max_records, 1,000,000 by default; of all the run's processes together: its max_total_records, 2,000,000 by default; in host mode 1,000,000 of each): the leak figures are a lower bound"]);
});

test('a run whose recording started off (PMM_HOOKS_ACTIVE=0) says what was not checked', () => {
  expect(releaseNotes({ unmatchedFrees: 0, recordingOffAtStart: true })).toEqual([
    'recording started off (PMM_HOOKS_ACTIVE=0): what the program allocated before it turned it on (pmm_hooks_active(1)), all of it if it never did, was not checked',
  ]);
});

test("a forked child whose recording started off (the program set PMM_HOOKS_ACTIVE=0 for it) says so too", () => {
  expect(releaseNotes({ unmatchedFrees: 0, recordingOffAtStart: true }, true)).toEqual([
    'recording started off (PMM_HOOKS_ACTIVE=0): what it allocated before it turned it on (pmm_hooks_active(1)), all of it if it never did, was not checked',
  ]);
});

test('a read-only file system in the program\'s stderr is explained in the words of the CLI or of the Jest option', () => {
  const stderr = "sh: 1: cannot create /usr/x: Read-only file system\n";
  expect(readOnlyNote(stderr, 'cli')).toEqual(["in the VM the host's files are read-only but for /tmp and the shared folders: --share DIR (or PMM_SHARES) makes DIR writable"]);
  expect(readOnlyNote(stderr, 'jest')).toEqual(["in the VM the host's files are read-only but for /tmp and the shared folders: the shares option (or PMM_SHARES) makes a folder writable"]);
  expect(readOnlyNote('all fine\n', 'cli')).toEqual([]);
});

test('a run whose output was cut says how much of it was kept', () => {
  expect(outputNote({ outputTruncated: true })).toEqual(["the program's output was cut: pmm keeps the first 16 MiB of its stdout and of its stderr"]);
  expect(outputNote({})).toEqual([]);
});
