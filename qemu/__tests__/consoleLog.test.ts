import { consoleExcerpt, findConsoleFault } from '../consoleLog';

test.each([
  ['booting\npmm-guest: error: pmm.ko (/x/pmm.ko) failed to insert into guest kernel 6.1.0: bad\n', 'init-error', 'pmm.ko (/x/pmm.ko) failed to insert into guest kernel 6.1.0: bad'],
  ['[  1.2] Kernel panic - not syncing: Fatal exception\n', 'panic', '[  1.2] Kernel panic - not syncing: Fatal exception'],
  ['[  1.0] BUG: kernel NULL pointer dereference, address: 0000000000000000\n', 'oops', '[  1.0] BUG: kernel NULL pointer dereference, address: 0000000000000000'],
  ['[  1.0] general protection fault, probably for non-canonical address\n', 'oops', '[  1.0] general protection fault, probably for non-canonical address'],
])('finds the fault in %j', (text, kind, line) => {
  expect(findConsoleFault(text)).toEqual({ kind, line });
});

test('a clean boot has no fault', () => {
  expect(findConsoleFault('[    0.000000] Linux version 6.1.0\npmm-guest: starting pmd\n')).toBeNull();
});

test('the excerpt keeps the last lines, without trailing blank ones', () => {
  const text = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\r\n') + '\n\n';
  const excerpt = consoleExcerpt(text, 3).split('\n');
  expect(excerpt).toEqual(['  | line 47', '  | line 48', '  | line 49']);
});
