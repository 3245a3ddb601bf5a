// Each test fails with a report of several groups and stacks: C frames, C++ frames (whose "::" Jest once
// took for a JavaScript stack line's), a leak's and a mismatched release's; or with an error pmm.run
// rejects with, a run it refused and a run whose input failed.
const path = require('path');
const { Readable } = require('stream');

const root = path.join(__dirname, '..', '..', '..', '..');
const fixture = (name) => path.join(root, 'fixtures', 'bin', name);
const hookProgram = (name) => path.join(root, 'hooklib', '__tests__', 'programs', 'bin', name);

test('message: a C program that leaks in three places', async () => {
  await pmm.run(fixture('leak_three_blocks'));
});

test('message: a C++ program that leaks through a member function and an inlined template', async () => {
  await pmm.run(hookProgram('cxx_names'));
});

test('message: a C++ program that releases blocks with the wrong call', async () => {
  await pmm.run(hookProgram('mismatched_frees'));
});

test('message: a program that does not exist', async () => {
  await pmm.run('/nonexistent/pmm-message-program');
});

test('message: a program whose input stream fails', async () => {
  const input = new Readable({
    read() {
      this.destroy(new Error('the disk went away'));
    },
  });
  await pmm.run('/bin/cat', [], { input });
});
