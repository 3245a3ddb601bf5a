// Test helper: pmm with args, its stdout into `head -c 10` through a shell's pipe, as a user's
// `pmm ... | head` (Node's own pipes are sockets, where a writer meets ECONNRESET instead of SIGPIPE).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * both: stderr into the same pipe (`2>&1 | head`), when the returned stderr is empty. reader: what reads
 * the pipe instead of head (`true`, gone before the program starts).
 */
export function pmmIntoHead(cli: string, cwd: string, args: string[], timeoutMs: number, both = false, reader = 'head -c 10 >/dev/null'): { status: number; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-cli-pipe-'));
  try {
    const errors = path.join(dir, 'stderr');
    fs.writeFileSync(errors, '');
    const into = both ? '2>&1' : `2>"${errors}"`;
    const script = `node="$0"; cli="$1"; shift; "$node" "$cli" "$@" ${into} | ${reader}; echo "\${PIPESTATUS[0]}"`;
    const run = spawnSync('bash', ['-c', script, process.execPath, cli, ...args], { cwd, encoding: 'utf8', timeout: timeoutMs });
    return { status: Number(run.stdout.trim()), stderr: fs.readFileSync(errors, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
