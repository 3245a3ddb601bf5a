// The README's "Using pmm in your own project", as a user does it: a project installs pmm from its git
// URL (the committed HEAD, which is what such a URL gives), runs `npx pmm setup`, then `jest --env pmm`
// on a test of its own. An install from a git URL gets no dist/ from git: the package's prepare script
// builds it, and .npmignore lets it ship.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

let projects: string[] = [];
afterAll(() => projects.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A command in the project: its status and output. npm uses its cache first (the registry if it must). */
function inProject(project: string, command: string, args: string[]) {
  const run = spawnSync(command, args, { cwd: project, encoding: 'utf8', timeout: 300_000, env: { ...process.env, CI: 'true', npm_config_prefer_offline: 'true' } });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

// The Jest versions pmm takes (its peerDependencies): `npm install jest` gives the newest, 30 as of writing.
test.each(['29', '30'])('a project with Jest %s installs pmm from its git URL, sets it up and gets its leaks as failing tests', (jestMajor) => {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), `pmm-install-jest${jestMajor}-`));
  projects.push(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'uses-pmm', version: '1.0.0', private: true }));
  const install = inProject(project, 'npm', ['install', '--save-dev', '--no-audit', '--no-fund', `jest@${jestMajor}`, `git+file://${root}`]);
  expect(install).toMatchObject({ status: 0 });
  const installed = path.join(project, 'node_modules', 'jest-environment-pmm');
  expect(fs.existsSync(path.join(installed, 'dist', 'cli', 'pmm.js'))).toBe(true);
  // Built on the user's machine by pmm setup, never shipped.
  expect(execFileSync('find', [installed, '-name', '*.o', '-o', '-name', '*.so', '-o', '-name', '*.ko'], { encoding: 'utf8' })).toBe('');

  expect(inProject(project, 'npx', ['pmm', 'setup'])).toMatchObject({ status: 0 });

  fs.writeFileSync(path.join(project, 'leaky.c'), '#include <stdlib.h>\nint main(int argc, char **argv) { void *p = argc > 1 ? NULL : malloc(123); (void)argv; (void)p; return 0; }\n');
  execFileSync('gcc', ['-g', '-O0', '-o', path.join(project, 'leaky'), path.join(project, 'leaky.c')]);
  // Each run must count for the test that started it: plain, concurrent (which Jest 29 and 30 track
  // differently), and in a beforeAll, which fails each test of its block.
  fs.writeFileSync(path.join(project, 'leaky.test.js'), [
    "const path = require('path');",
    "const leaky = path.join(__dirname, 'leaky');",
    "test('leaks', async () => { expect((await pmm.run(leaky)).exitCode).toBe(0); });",
    "test('a known leak', async () => { expect(await pmm.run(leaky)).toLeak({ bytes: 123, blocks: 1 }); });",
    "test.concurrent('concurrent, leaks', async () => { await pmm.run(leaky); });",
    "test.concurrent('concurrent, clean', async () => { await pmm.run(leaky, ['clean']); });",
    "describe('a block whose beforeAll leaks', () => {",
    '  beforeAll(async () => { await pmm.run(leaky); });',
    "  test('in the block', () => {});",
    '});',
    "test('after the block, clean', async () => { await pmm.run(leaky, ['clean']); });",
    '',
  ].join('\n'));
  expect(inProject(project, 'npx', ['jest', '--version']).output.trim()).toMatch(new RegExp(`^${jestMajor}\\.`));
  const jest = inProject(project, 'npx', ['jest', '--env', 'pmm', '--rootDir', project]);
  expect(jest.status).toBe(1);
  expect(jest.output).toMatch(/✕ leaks/);
  expect(jest.output).toMatch(/✓ a known leak/);
  expect(jest.output).toMatch(/✕ concurrent, leaks/);
  expect(jest.output).toMatch(/✓ concurrent, clean/);
  expect(jest.output).toMatch(/✕ in the block/);
  expect(jest.output).toMatch(/✓ after the block, clean/);
  expect(jest.output).toContain('in beforeAll: 123 bytes in 1 block leaked by');
  expect(jest.output).toContain(`123 bytes in 1 block leaked by ${path.join(project, 'leaky')}`);
  expect(jest.output).toContain(`by main (${path.join(project, 'leaky.c')}:2)`);
  expect(jest.output).toMatch(/Tests: +3 failed, 3 passed, 6 total/);
}, 600_000);
