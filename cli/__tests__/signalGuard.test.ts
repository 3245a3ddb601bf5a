// SIGUSR1 at a time no handler of pmm's takes it (arguments being checked, `pmm setup`'s apt-get): Node
// would open its debugger, with pmm's rights; with the guard, it ends pmm as a program without a handler.
import { spawnSync } from 'child_process';
import * as path from 'path';

const guard = path.join(__dirname, '..', '..', 'dist', 'cli', 'signalGuard.js');

function sentUsr1(preload: string | null): { status: number | null; signal: NodeJS.Signals | null; stderr: string } {
  const script = `${preload === null ? '' : `require(${JSON.stringify(preload)});`} setTimeout(() => {}, 3000); process.kill(process.pid, 'SIGUSR1');`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, signal: run.signal, stderr: run.stderr };
}

test('without the guard, Node opens its debugger on SIGUSR1 and goes on (what the guard is for)', () => {
  const run = sentUsr1(null);
  expect(run.stderr).toMatch(/Debugger listening|Starting inspector/);
  expect([run.status, run.signal]).toEqual([0, null]);
});

test('with it, SIGUSR1 ends the process by its default action, and no debugger listens', () => {
  const run = sentUsr1(guard);
  expect(run.stderr).not.toContain('Debugger listening');
  expect([run.status, run.signal]).toEqual([null, 'SIGUSR1']);
});

test("with it, SIGUSR1 ends the process even while Node's event loop is held (a spawnSync), where a listener would wait", () => {
  const script = `require(${JSON.stringify(guard)}); process.kill(process.pid, 'SIGUSR1'); require('child_process').spawnSync('sleep', ['2']); process.exit(0);`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  expect([run.status, run.signal]).toEqual([null, 'SIGUSR1']);
});

test('while another listener is there (forwardSignals), the signal is left to it, and to the default once it is gone', () => {
  const script = [
    `require(${JSON.stringify(guard)});`,
    "const taken = () => { console.log('taken'); process.removeListener('SIGUSR1', taken); process.kill(process.pid, 'SIGUSR1'); };",
    "process.on('SIGUSR1', taken); setTimeout(() => {}, 3000); process.kill(process.pid, 'SIGUSR1');",
  ].join(' ');
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  expect([run.stdout, run.status, run.signal, run.stderr]).toEqual(['taken\n', null, 'SIGUSR1', '']);
});
