// pmm.ko and pmd inside the guest: the C selftest, /proc/pmm as the seed shows it, pmd's daemon commands,
// VM/RSS samples, a million records, a run of many processes, insmod/rmmod 100 times, and a dmesg free of
// BUG/WARNING/Oops at the end.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type {} from '../../harness/globals';
import type { RunResult } from '../../harness/types';

const kernelDir = path.join(__dirname, '..');
const ko = path.join(kernelDir, 'pmm.ko');
const selftest = path.join(kernelDir, 'selftest', 'pmm_test');
const bulk = path.join(kernelDir, 'selftest', 'pmm_bulk');
const pmd = path.join(kernelDir, '..', 'pmd', 'pmd');
const hook = path.join(kernelDir, '..', 'hooklib', 'libpmm.so');

// A fresh module, so that each test starts from the defaults whatever ran before it in this VM.
const reload = `rmmod pmm && insmod ${ko} || exit 99`;

// Runs a shell script as root in the guest, without the hook.
async function sh(script: string, timeoutMs = 120000): Promise<RunResult> {
  const result = await pmm.run('/bin/sh', ['-c', script], { hook: false, timeoutMs });
  if (result.exitCode === 99) throw new Error(`reloading pmm.ko failed:\n${result.stderr}`);
  return result;
}

const seedCfg = (interval: number, scan: number, start: number, stop: number): string =>
  'Configs:\n' +
  `["INTERVAL" (Scan Interval) :=${interval}]\n` +
  `["SCAN" (Scan on:1/off:0) := ${scan}]\n` +
  `["START_PID" (Start a monitor):=${start}]\n` +
  `["STOP_PID" (Stop a monitor) := ${stop}]\n`;

beforeAll(() => {
  execFileSync('make', ['-s', '-C', kernelDir, 'selftest'], { stdio: 'inherit' });
});

test('the C selftest passes on a freshly loaded module', async () => {
  const result = await sh(`${reload}; ${selftest}`);
  const last = result.stdout.trimEnd().split('\n').pop();
  expect(result.stdout.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
  expect(last).toMatch(/^\d+ passed, 0 failed$/);
  expect(Number(last?.split(' ')[0])).toBeGreaterThanOrEqual(200);
  expect(result.exitCode).toBe(0);
}, 180000);

test('/proc/pmm/cfg reads and changes as the seed shows; garbage is EINVAL and changes nothing', async () => {
  const result = await sh(`${reload}
    cat /proc/pmm/cfg; echo --
    printf "INTERVAL 5000" > /proc/pmm/cfg && printf "SCAN 0" > /proc/pmm/cfg
    sleep 1000 & s=$!
    while [ "$(cat /proc/$s/comm)" != sleep ]; do :; done
    printf "START_PID $s" > /proc/pmm/cfg && echo "pid $s"
    cat /proc/pmm/cfg; echo --
    cat /proc/pmm/pid; echo --
    printf "STOP_PID $s" > /proc/pmm/cfg
    for bad in "BOGUS 1" "INTERVAL" "INTERVAL 5x" "INTERVAL 99" "SCAN 2" "START_PID -1" "STOP_PID $s" " "; do
      printf "$bad" > /proc/pmm/cfg 2>/dev/null; echo "'$bad' $?"
    done
    cat /proc/pmm/cfg; echo --
    printf "SCAN 1\\n" > /proc/pmm/cfg && printf "INTERVAL 10000" > /proc/pmm/cfg && cat /proc/pmm/cfg
    kill $s`);
  expect(result.exitCode).toBe(0);
  const pid = Number(/^pid (\d+)$/m.exec(result.stdout)?.[1]);
  const parts = result.stdout.split('--\n');
  expect(parts[0]).toBe(seedCfg(10000, 1, 0, 0));
  expect(parts[1]).toBe(`pid ${pid}\n` + seedCfg(5000, 0, pid, 0));
  expect(parts[2]).toBe(`[1] PID: ${pid}, Comp: sleep, PPID: ${/PPID: (\d+)/.exec(parts[2])?.[1]}, State: 1, Log count: 0\n`);
  // Every garbage line fails (printf's write gets EINVAL), and the settings stay as they were.
  expect(parts[3]).toBe(
    ['BOGUS 1', 'INTERVAL', 'INTERVAL 5x', 'INTERVAL 99', 'SCAN 2', 'START_PID -1', `STOP_PID ${pid}`, ' ']
      .map((bad) => `'${bad}' 1\n`)
      .join('') + seedCfg(5000, 0, pid, pid),
  );
  expect(parts[4]).toBe(seedCfg(10000, 1, pid, pid));
});

test('pmm exec -- cat /proc/pmm/cfg prints the seed format', async () => {
  const result = await pmm.run('/bin/cat', ['/proc/pmm/cfg'], { hook: false });
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toMatch(
    /^Configs:\n\["INTERVAL" \(Scan Interval\) :=\d+\]\n\["SCAN" \(Scan on:1\/off:0\) := [01]\]\n\["START_PID" \(Start a monitor\):=\d+\]\n\["STOP_PID" \(Stop a monitor\) := \d+\]\n$/,
  );
});

test("pmd's daemon commands: config, pids, start, stop, logs; non-root may not touch others' monitors", async () => {
  const result = await sh(`${reload}
    p=$(${bulk} leave 3) || exit 1
    sleep 1000 & s=$!
    while [ "$(cat /proc/$s/comm)" != sleep ]; do :; done
    ${pmd} start $s || exit 2
    echo "pids $p $s"; ${pmd} pids; echo --
    ${pmd} logs $p; echo --
    t=$(mktemp) && TZ=IST-5:30 ${pmd} logs $p > $t && grep '^{' /proc/pmm/pid | diff $t - && echo "logs in UTC as /proc/pmm/pid"; rm -f $t
    ${pmd} config; echo --
    cat /proc/pmm/cfg; echo --
    setpriv --reuid=65534 --regid=65534 --clear-groups ${pmd} stop $s; echo "nobody stop $?"
    setpriv --reuid=65534 --regid=65534 --clear-groups ${pmd} logs $p; echo "nobody logs $?"
    setpriv --reuid=65534 --regid=65534 --clear-groups ${pmd} start 1; echo "nobody start $?"
    ${pmd} stop $s && ${pmd} stop $p && ${pmd} pids; echo --
    ${pmd} logs $p; echo "logs after stop $?"
    kill $s`);
  const [pids, logs, zoned, cfg, rest] = result.stdout.split('--\n');
  // pmd wrote local time, /proc/pmm/pid and pmm run UTC: the same record read two ways.
  expect(zoned.split('\n')[0]).toBe('logs in UTC as /proc/pmm/pid');
  const config = zoned.split('\n').slice(1).join('\n');
  const [, p, s] = /^pids (\d+) (\d+)$/m.exec(pids) ?? [];
  expect(pids.split('\n').slice(1)).toEqual([
    expect.stringMatching(new RegExp(`^\\[1\\] PID: ${p}, Comp: pmm_bulk, PPID: \\d+, State: 2, Log count: 3$`)),
    expect.stringMatching(new RegExp(`^\\[2\\] PID: ${s}, Comp: sleep, PPID: \\d+, State: 1, Log count: 0$`)),
    '',
  ]);
  // pmm_bulk's three records, in the seed's log format (pointers and sizes as pmm_bulk.c makes them).
  expect(logs.split('\n')).toEqual([
    expect.stringMatching(/^\{MALLOC @\d\d:\d\d:\d\d\} Sz: 16B Pointer: 0x10000000 Caller: 0x401000$/),
    expect.stringMatching(/^\{MALLOC @\d\d:\d\d:\d\d\} Sz: 17B Pointer: 0x10000010 Caller: 0x401001$/),
    expect.stringMatching(/^\{MALLOC @\d\d:\d\d:\d\d\} Sz: 18B Pointer: 0x10000020 Caller: 0x401002$/),
    '',
  ]);
  expect(config).toBe(cfg + '["MONITORED" (Processes monitored) := 2]\n["RECORDS" (Unmatched records held) := 3]\n');
  expect(cfg).toBe(seedCfg(10000, 1, Number(s), 0));
  expect(rest).toContain('nobody stop 1\n');
  expect(rest).toContain('nobody logs 1\n');
  expect(rest).toContain('nobody start 1\n');
  expect(result.stderr).toContain(`PMM_SET_CONFIG STOP_PID for pid ${s} on /dev/pmm: Operation not permitted`);
  expect(result.stderr).toContain(`PMM_READ_LOGS for pid ${p} on /dev/pmm: Operation not permitted`);
  expect(result.stderr).toContain('PMM_SET_CONFIG START_PID for pid 1 on /dev/pmm: Operation not permitted');
  expect(result.stdout.split('--\n')[5]).toBe('logs after stop 1\n');
  // A monitor stopped already: "No such process" read as if the process were gone.
  expect(result.stderr).toContain(`PMM_READ_LOGS for pid ${p} on /dev/pmm: pid ${p} is not monitored`);
});

test("pmd's run result carries pmthread's samples: a growing program's RSS grows", async () => {
  const request = JSON.stringify({
    id: 1, type: 'run', argv: [bulk, 'grow', '24'], cwd: '/', env: {}, hook, timeoutMs: 60000,
  });
  const result = await sh(`${reload}
    printf "INTERVAL 100" > /proc/pmm/cfg
    printf '%s\\n' '${request}' '{"id":2,"type":"shutdown"}' | ${pmd} serve --stdio`);
  expect(result.exitCode).toBe(0);
  // The first line is pmd's "ready", then its word that the program has ended; the run's answer follows.
  const [ready, ended, line] = result.stdout.split('\n');
  expect([JSON.parse(ready).type, JSON.parse(ended)]).toEqual(['ready', { id: 1, type: 'ended' }]);
  const answer = JSON.parse(line) as {
    type: string; exitCode: number; records: unknown[]; samples: Array<{ timeNs: string; vmBytes: number; rssBytes: number }>;
  };
  expect(answer.type).toBe('result');
  expect(answer.exitCode).toBe(0);
  // Balanced heap: every block was freed, yet RSS grew while it ran.
  expect(answer.records).toEqual([]);
  const samples = answer.samples;
  expect(samples.length).toBeGreaterThanOrEqual(5);
  for (let i = 1; i < samples.length; i++) {
    expect(BigInt(samples[i].timeNs)).toBeGreaterThan(BigInt(samples[i - 1].timeNs));
    expect(samples[i].vmBytes).toBeGreaterThanOrEqual(samples[i].rssBytes);
  }
  // It grows until it frees all at exit; a sample taken while it exits may already see the memory gone.
  const peak = samples.reduce((best, s, i) => (s.rssBytes > samples[best].rssBytes ? i : best), 0);
  expect(peak).toBeGreaterThanOrEqual(4);
  for (let i = 1; i <= peak; i++) expect(samples[i].rssBytes).toBeGreaterThanOrEqual(samples[i - 1].rssBytes);
  expect(samples[peak].rssBytes - samples[0].rssBytes).toBeGreaterThanOrEqual(8 << 20);
}, 120000);

test('a million outstanding records from 5 stacks fit the 1 GiB guest, counted exactly', async () => {
  const result = await sh(`${reload}; ${bulk} hold 1000000 5`, 180000);
  expect(result.exitCode).toBe(0);
  const m = /^records (\d+) read (\d+) bad (\d+) bytes (\d+) stacks (\d+) dropped (\d+) kernel_kib (\d+)$/m.exec(result.stdout);
  expect(m).not.toBeNull();
  const [records, read, bad, bytes, stacks, dropped, kernelKib] = (m ?? []).slice(1).map(Number);
  expect({ records, read, bad, stacks, dropped }).toEqual({ records: 1000000, read: 1000000, bad: 0, stacks: 5, dropped: 0 });
  // Sizes 16..22 by i % 7, as pmm_bulk makes them.
  let want = 0;
  for (let i = 0; i < 1000000; i++) want += 16 + (i % 7);
  expect(bytes).toBe(want);
  // 64-byte entries and their indexes: far under the 200 bytes a record with its own stack would take.
  expect(kernelKib).toBeLessThan(150 * 1024);
}, 200000);

test('a run that starts many processes does not hold each one\'s task_struct and record index to its end; each is still reported', async () => {
  const children = 300;
  const result = await pmm.run(bulk, ['exits', String(children)], { timeoutMs: 120000 });
  expect(result.exitCode).toBe(0);
  const held = (cache: string): number => {
    const m = new RegExp(`^${cache} (\\d+) (\\d+)$`, 'm').exec(result.stdout);
    expect(m).not.toBeNull();
    return Number(m?.[2]) - Number(m?.[1]);
  };
  // Each monitor of a reaped process held its task_struct (with its signal and cred) and its index of
  // records by address (2 KiB) until the run ended: one more of each per child. Now only the few the
  // kernel has not freed yet remain.
  expect(held('task_struct')).toBeLessThan(children / 4);
  expect(held('kmalloc-cg-2k')).toBeLessThan(children / 4);
  // What the run says of each child does not need the task once it is reaped. /bin may be a link to /usr/bin.
  const trueProgram = fs.realpathSync('/bin/true');
  expect(result.children).toHaveLength(children);
  for (const child of result.children) {
    expect({ program: child.program, exitCode: child.exitCode, signal: child.signal, leaked: child.summary.blocks })
      .toEqual({ program: trueProgram, exitCode: 0, signal: null, leaked: 0 });
  }
}, 180000);

test('insmod/rmmod 100 times with monitors, records and open files: refused while /dev/pmm is open, no leak', async () => {
  const result = await sh(`${reload}
    grep -E '^(SUnreclaim|Percpu):' /proc/meminfo
    refused=0; i=0
    while [ $i -lt 100 ]; do
      ${bulk} leave 50 >/dev/null || exit 1
      sleep 100 & s=$!
      printf "START_PID $s" > /proc/pmm/cfg || exit 2
      exec 3</dev/pmm
      rmmod pmm 2>/dev/null || refused=$((refused + 1))
      exec 3<&-
      exec 4</proc/pmm/pid
      rmmod pmm || exit 3
      cat <&4 >/dev/null 2>&1 && exit 4
      exec 4<&-
      kill $s; wait $s 2>/dev/null
      insmod ${ko} || exit 5
      i=$((i + 1))
    done
    echo "refused $refused"
    grep -E '^(SUnreclaim|Percpu):' /proc/meminfo
    cat /proc/pmm/cfg`, 300000);
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toContain('refused 100\n');
  const kib = (name: string): number[] =>
    [...result.stdout.matchAll(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'gm'))].map((x) => Number(x[1]));
  const [unreclaimBefore, unreclaimAfter] = kib('SUnreclaim');
  const [percpuBefore, percpuAfter] = kib('Percpu');
  // A monitor, its hash and sample ring are 10+ KiB, and pmm_bulk's mismatches 8 KiB more: 100 leaked ones
  // would show well past this slack.
  expect(unreclaimAfter - unreclaimBefore).toBeLessThan(512);
  expect(percpuAfter - percpuBefore).toBeLessThan(256);
  expect(result.stdout).toContain(seedCfg(10000, 1, 0, 0));
}, 320000);

// Last in this file: whatever the tests above did to the module must not have hurt the kernel.
test('dmesg shows no BUG, WARNING or Oops', async () => {
  const result = await pmm.run('/bin/dmesg', [], { hook: false });
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toContain('pmm');
  const bad = result.stdout.split('\n').filter((l) => /BUG|WARNING|Oops|Call Trace|general protection|still has objects/.test(l));
  expect(bad).toEqual([]);
});
