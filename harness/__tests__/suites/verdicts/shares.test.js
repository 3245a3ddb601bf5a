// The "shares" option: a host folder outside /tmp, writable in the guest at its own path.
const fs = require('fs');

test('shares: a program writes into a shared folder, and the host reads it', async () => {
  const [dir] = pmm.options.shares;
  const file = `${dir}/written-in-guest-${process.pid}.txt`;
  fs.rmSync(file, { force: true });
  const result = await pmm.run('/bin/sh', ['-c', `echo from the guest > ${file}`], { hook: false });
  expect(result.stderr).toBe('');
  expect(fs.readFileSync(file, 'utf8')).toBe('from the guest\n');
  fs.rmSync(file);
});

test('shares: a program that writes outside /tmp and the shares meets a read-only file system, and pmm says how to share', async () => {
  const result = await pmm.run('/bin/sh', ['-c', 'echo x > /usr/pmm-read-only-test'], { hook: false });
  expect(result.exitCode).not.toBe(0);
  expect(result.stderr).toContain('Read-only file system');
});
