// The module's sources pass the kernel's checkpatch.pl --strict. scripts/setup.sh fetches the script (and the
// data files it reads) into the cache from Debian's linux-source package; without it this test is skipped.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const cacheDir = process.env.PMM_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'pmm');
const checkpatch = path.join(cacheDir, 'checkpatch', 'checkpatch.pl');
const kernelDir = path.join(__dirname, '..');

// Every C source and header of the module, its uapi header and the selftest programs; not Kbuild's outputs.
function sources(): string[] {
  const list = (dir: string): string[] =>
    fs.readdirSync(path.join(kernelDir, dir))
      .filter((f) => /\.[ch]$/.test(f) && !f.endsWith('.mod.c'))
      .map((f) => path.join(dir, f));
  return [...list('.'), ...list('include/uapi'), ...list('selftest')];
}

const available = fs.existsSync(checkpatch);
if (!available) console.warn(`checkpatch test skipped: ${checkpatch} is missing (scripts/setup.sh fetches it)`);
(available ? test : test.skip)('checkpatch.pl --strict reports nothing on kernel/', () => {
  const files = sources();
  expect(files).toEqual(expect.arrayContaining(['pmm_main.c', 'pmm_stacks.c', 'include/uapi/pmm.h', 'selftest/pmm_test.c']));
  const result = spawnSync('perl', [checkpatch, '--strict', '--no-tree', '--terse', '--show-types', '-f', ...files], {
    cwd: kernelDir,
    encoding: 'utf8',
  });
  const problems = result.stdout.split('\n').filter((line) => line !== '' && !/^total: 0 errors, 0 warnings, 0 checks/.test(line));
  expect(problems).toEqual([]);
  expect(result.status).toBe(0);
});
