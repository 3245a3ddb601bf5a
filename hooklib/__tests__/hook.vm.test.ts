// The hook on its product path, in the VM: program -> libpmm.so -> the ring shared with pmm.ko -> pmd -> here.
// Crashes and kills lose nothing, C++ operators keep their kinds, threads and forks come out exact.
import { execFileSync } from 'child_process';
import * as path from 'path';
import type {} from '../../harness/globals';
import type { Leak, RunResult } from '../../harness/types';

const programDir = path.join(__dirname, 'programs');
const bin = (name: string): string => path.join(programDir, 'bin', name);

beforeAll(() => {
  // The host's / is the guest's: what is built here is what the guest runs.
  execFileSync('make', ['-C', path.join(__dirname, '..'), 'all', 'test-programs'], { stdio: 'pipe' });
}, 120_000);

/** Each leak as "bytes/blocks kind function", sorted: the figures and where they were allocated. */
function described(leaks: Leak[]): string[] {
  return leaks.map((l) => `${l.bytes}/${l.blocks} ${l.kinds.join(',')} ${l.frames[0]?.function}`).sort();
}

function callers(result: RunResult): string[] {
  return result.leaks.map((l) => l.frames.map((f) => f.function).join('<'));
}

describe.each([
  ['kill', 'SIGKILL'],
  ['segv', 'SIGSEGV'],
  ['abort', 'SIGABRT'],
])('a program that dies by %s', (how, signal) => {
  it(`is reported as ${signal}, with every leak it made before (records in the ring are not lost)`, async () => {
    const result = await pmm.run(bin('killed_midway'), [how]);
    expect(result.signal).toBe(signal);
    expect(result.exitCode).toBeNull();
    // 15,000 records went through a ring of 4,096 before these: drained on the way and at the end.
    expect(result).toLeak({ bytes: 5 * 123, blocks: 5 });
    expect(described(result.leaks)).toEqual(['615/5 malloc leak_before_dying']);
    expect(callers(result)[0]).toMatch(/^leak_before_dying<main</);
  });
});

it('records C++ operators with their kinds: new, new[], aligned and nothrow variants', async () => {
  const result = await pmm.run(bin('cxx_operators'));
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toBe('cxx_operators: done\n');
  expect(result).toLeak({ bytes: 4 + 10 + 64 + 12, blocks: 4 });
  expect(described(result.leaks)).toEqual([
    '10/1 new[] leak_new_array',
    '12/1 new[] leak_nothrow_array',
    '4/1 new leak_new',
    '64/1 new leak_aligned',
  ]);
});

it('matches frees across 8 threads exactly: each thread leaks its one block', async () => {
  const result = await pmm.run(bin('threads'), [], { timeoutMs: 120_000 });
  expect(result.exitCode).toBe(0);
  // Thread i leaks 64 * (i + 1) bytes.
  expect(result).toLeak({ bytes: 64 * (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8), blocks: 8 });
  // One stack, eight blocks: nothing of the 8 x 20,000 rounds of churn, frees by other threads included, is left.
  expect(result.leaks.map((l) => `${l.blocks} ${l.frames[0]?.function}<${l.frames[1]?.function}`)).toEqual(['8 leak_in_thread<churn']);
}, 180_000);

it('follows fork, exec, vfork, posix_spawn and system: each child reported on its own, in the same run', async () => {
  const result = await pmm.run(bin('fork_family'));
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toBe('fork_family: done\n');
  // The parent's block was freed only in the forked child's copy: it is still the parent's leak.
  expect(result).toLeak({ bytes: 100, blocks: 1 });
  const children = (result.children ?? []).map((c) => `${c.summary.bytes}/${c.summary.blocks}`);
  // Forked (the free of its copy of the parent's block matched), exec-ed through fork, vfork,
  // posix_spawn; system() runs the shell, which execs the program, so the shell's pid holds it.
  // posix_spawn; system() runs the shell, which forks the program: the shell is a child with its own leaks.
  expect(children).toEqual(expect.arrayContaining(['275/5', '539/7', '99/3', '176/4', '44/2']));
  const ours = (result.children ?? []).filter((c) => c.leaks.some((l) => l.frames[0]?.object === bin('fork_family')));
  expect(ours.map((c) => `${c.summary.bytes}/${c.summary.blocks}`).sort()).toEqual(['176/4', '275/5', '44/2', '539/7', '99/3']);
  // Each at its line: the forked child's stacks resolve against the object map it sent after the fork.
  for (const child of ours) {
    expect(child.leaks.map((l) => l.frames.slice(0, 2).map((f) => f.function).join('<'))).toEqual(['leak<main']);
  }
  const shell = (result.children ?? []).filter((c) => !ours.includes(c));
  expect(shell).toHaveLength(1);
  expect(shell[0].leaks.every((l) => /\/(dash|bash|sh)$|libc\.so/.test(l.frames[0]?.object ?? ''))).toBe(true);
});
