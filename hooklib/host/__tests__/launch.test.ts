// pmm-launch run by itself, for what pmm's own tests cannot time: a signal that comes before the program does.
import { spawn } from 'child_process';
import * as path from 'path';
import { parseLaunchReport } from './launchReportOf';

const launcher = path.join(__dirname, '..', 'pmm-launch');

// A program that takes SIGINT's default action once it lets the signal in, and otherwise sleeps, then exits 0.
const sleeper = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_DFL); signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); time.sleep(3)";

/** Runs pmm-launch with a SIGINT already pending, as if a Ctrl-C came while it started; resolves to its report. */
function launchWithPendingSigint(): Promise<string> {
  // Python holds SIGINT, sends it to itself and becomes the launcher: the signal is pending from its first instruction.
  const becomeLauncher = 'import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}); '
    + 'os.kill(os.getpid(), signal.SIGINT); os.execv(sys.argv[1], sys.argv[1:])';
  const child = spawn('python3', ['-c', becomeLauncher, launcher, String(process.pid), 'python3', 'python3', '-c', sleeper], {
    stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
  });
  let report = '';
  child.stdio[3]!.on('data', (chunk: Buffer) => { report += chunk.toString(); });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(report) : reject(new Error(`pmm-launch exited ${code}: ${report}`))));
  });
}

test('a SIGINT pending before the program was forked reaches it: it was the group\'s, and the program was not there yet', async () => {
  expect(parseLaunchReport(await launchWithPendingSigint()).ending).toEqual({ exitCode: null, signal: 'SIGINT' });
});
