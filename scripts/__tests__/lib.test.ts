// scripts/lib.sh's steps, run alone: what set-up asks for, and what it says when it cannot.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

/** Runs a line of bash with lib.sh sourced, its top being top. */
function withLib(top: string, line: string, user?: string) {
  const script = `top=${JSON.stringify(top)}; . ${JSON.stringify(path.join(root, 'scripts', 'lib.sh'))}; ${line}`;
  const command = user ? ['runuser', '-u', user, '--', 'bash', '-c', script] : ['bash', '-c', script];
  const run = spawnSync(command[0], command.slice(1), { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test("a project that uses pmm gets what pmm runs on; pmm's own checkout also what its tests compare with (valgrind, heaptrack...)", () => {
  const own = withLib(root, 'wanted_packages').stdout.split(/\s+/);
  const installed = withLib('/srv/app/node_modules/jest-environment-pmm', 'wanted_packages').stdout.split(/\s+/);
  for (const tool of ['valgrind', 'heaptrack', 'strace', 'g++', 'git', 'libxml2-utils']) {
    expect([tool, own.includes(tool), installed.includes(tool)]).toEqual([tool, true, false]);
  }
  expect(installed).toEqual(expect.arrayContaining(['qemu-system-x86', 'busybox-static', 'gcc', 'make']));
});

test("a checkout a project installed as a folder (npm links to it) is that project's pmm when set-up is asked from the project", () => {
  const fromProject = withLib(root, 'setup_asked_from=/srv/app; wanted_packages').stdout.split(/\s+/);
  const fromCheckout = withLib(root, `setup_asked_from=${JSON.stringify(path.join(root, 'harness'))}; wanted_packages`).stdout.split(/\s+/);
  expect([fromProject.includes('valgrind'), fromCheckout.includes('valgrind')]).toEqual([false, true]);
  // Nor does it compile the checkout's TypeScript, or its fixtures, for the project.
  expect(withLib(root, 'setup_asked_from=/srv/app; in_source_checkout && echo own || echo installed').stdout).toBe('installed\n');
});

const asRoot = process.getuid?.() === 0 ? test : test.skip;

asRoot('a user who may not be root is told so, not left with status 1 and no word (the reason went into a log set-up then removed)', () => {
  const run = withLib(root, 'apt_update_once', 'nobody');
  expect(run.status).toBe(1);
  expect(run.stderr).toBe('pmm setup: error: installing needs root: run as root, or give this user password-less sudo (wanted: apt-get update)\n');
});

/** A checkout of its own, no dependencies, whose prepare script stands in for tsc: it writes dist/. */
function checkoutWithPrepare(prepare: string | undefined): string {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-lib-'));
  const scripts = prepare === undefined ? {} : { prepare };
  fs.writeFileSync(path.join(top, 'package.json'), JSON.stringify({ name: 'checkout', version: '1.0.0', scripts }));
  fs.writeFileSync(path.join(top, 'tsconfig.json'), JSON.stringify({ include: ['harness/**/*.ts'] }));
  fs.mkdirSync(path.join(top, 'harness'));
  fs.writeFileSync(path.join(top, 'harness', 'index.ts'), 'export {};\n');
  return top;
}

const writeDist = `node -e "require('fs').mkdirSync('dist/harness',{recursive:true});require('fs').writeFileSync('dist/harness/index.js','')"`;

test('a first set-up compiles the TypeScript once: what npm install\'s prepare script compiled is not compiled again', () => {
  const top = checkoutWithPrepare(writeDist);
  try {
    const run = withLib(top, 'install_npm_dependencies && build_typescript && echo done');
    expect(run.stderr).toContain('pmm setup: installing npm dependencies');
    expect(run.stderr).not.toContain('compiling TypeScript');
    expect([run.status, run.stdout]).toEqual([0, 'done\n']);
  } finally {
    fs.rmSync(top, { recursive: true, force: true });
  }
});

test('an install whose prepare script did not run (ignore-scripts) leaves the TypeScript to build_typescript', () => {
  for (const prepare of [undefined, writeDist]) {
    const top = checkoutWithPrepare(prepare);
    try {
      const run = withLib(top, 'npm_config_ignore_scripts=true install_npm_dependencies && echo done');
      expect([prepare, run.status, run.stdout]).toEqual([prepare, 0, 'done\n']);
      expect([prepare, fs.existsSync(path.join(top, 'dist', '.built'))]).toEqual([prepare, false]);
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  }
});
