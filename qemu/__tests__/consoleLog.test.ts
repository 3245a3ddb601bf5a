import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { consoleExcerpt, findConsoleFault, pruneConsoleLogs } from '../consoleLog';

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

test('an empty console says it is empty, rather than end the error at its heading', () => {
  expect(consoleExcerpt('')).toBe('  (empty: the guest printed nothing)');
  expect(consoleExcerpt('\r\n\n')).toBe('  (empty: the guest printed nothing)');
});

describe('pruneConsoleLogs', () => {
  test('removes the logs past the newest kept that are older than the age, and nothing else', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-console-logs-'));
    try {
      const now = Date.now();
      const day = 24 * 60 * 60 * 1000;
      // Six old logs (the oldest first), two fresh ones, and a file that is no console log.
      const names = Array.from({ length: 6 }, (_, i) => `console-1-${i}.log`);
      names.forEach((name, i) => {
        fs.writeFileSync(path.join(dir, name), '');
        fs.utimesSync(path.join(dir, name), (now - (10 - i) * day) / 1000, (now - (10 - i) * day) / 1000);
      });
      for (const name of ['console-2-1.log', 'console-2-2.log', 'notes.txt']) fs.writeFileSync(path.join(dir, name), '');
      fs.utimesSync(path.join(dir, 'notes.txt'), (now - 20 * day) / 1000, (now - 20 * day) / 1000);
      pruneConsoleLogs(dir, 3, day, now);
      // The newest three are kept (the two fresh, the newest old one); the other old ones go.
      expect(fs.readdirSync(dir).sort()).toEqual(['console-1-5.log', 'console-2-1.log', 'console-2-2.log', 'notes.txt']);
      // Fresh logs stay however many there are: another process may be writing one.
      pruneConsoleLogs(dir, 0, day, now);
      expect(fs.readdirSync(dir).sort()).toEqual(['console-2-1.log', 'console-2-2.log', 'notes.txt']);
      pruneConsoleLogs(path.join(dir, 'missing'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
