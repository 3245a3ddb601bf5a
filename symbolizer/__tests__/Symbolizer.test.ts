// Symbolizes real return addresses: a small C probe, built PIE and non-PIE, prints the addresses it sees and
// its own /proc/self/maps; both tools must name the function, file and line the probe's source marks.

import {execFileSync} from 'child_process';
import {copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import {basename, join} from 'path';
import {markReplaced} from '../../hooklib/host/replacedFiles';
import {Symbolizer} from '../Symbolizer';

const PROBE_SOURCE = `#include <stdio.h>

__attribute__((noinline)) static void *return_address(void) {
  return __builtin_return_address(0);
}

__attribute__((noinline)) void *probe_caller(void) { /* PROBE_DEFINITION */
  void *here = return_address(); /* PROBE_CALL */
  return here;
}

static inline __attribute__((always_inline)) void *inlined_caller(void) {
  return return_address(); /* INLINED_CALL */
}

__attribute__((noinline)) void *inline_owner(void) {
  void *here = inlined_caller(); /* OWNER_CALL */
  return here;
}

int main(void) {
  printf("call %p\\n", probe_caller());
  printf("inlined %p\\n", inline_owner());
  printf("function %p\\n", (void *)&probe_caller);
  printf("libc %p\\n", (void *)&printf);
  fputs("maps\\n", stdout);
  FILE *maps = fopen("/proc/self/maps", "r");
  int c;
  while ((c = fgetc(maps)) != EOF) putchar(c);
  fclose(maps);
  return 0;
}
`;

interface ProbeOutput {
  call: string;
  inlined: string; // a return address in inline_owner, inside inlined_caller's code
  function: string;
  libc: string;
  maps: string;
}

let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'pmm-symbolizer-'));
});

afterAll(() => {
  rmSync(workDir, {recursive: true, force: true});
});

/** Writes the source (with `padding` blank lines on top, to move every line) and builds it. */
function buildProbe(name: string, flags: readonly string[], padding = 0): {binary: string; source: string} {
  const source = '\n'.repeat(padding) + PROBE_SOURCE;
  const sourcePath = join(workDir, `${name}.c`);
  const binary = join(workDir, name);
  writeFileSync(sourcePath, source);
  execFileSync('gcc', ['-g', '-O0', '-fno-omit-frame-pointer', ...flags, '-o', binary, sourcePath]);
  return {binary, source};
}

function runProbe(binary: string): ProbeOutput {
  const output = execFileSync(binary, {encoding: 'utf8'});
  const [head, maps] = output.split('maps\n');
  const value = (key: string): string => {
    const match = new RegExp(`^${key} (0x[0-9a-f]+)$`, 'm').exec(head);
    if (match === null) throw new Error(`probe printed no ${key} address:\n${output}`);
    return match[1];
  };
  return {call: value('call'), inlined: value('inlined'), function: value('function'), libc: value('libc'), maps};
}

function lineOf(source: string, marker: string): number {
  return source.split('\n').findIndex(line => line.includes(marker)) + 1;
}

describe.each(['llvm-symbolizer', 'addr2line'] as const)('Symbolizer with %s', tool => {
  let symbolizer: Symbolizer;

  beforeEach(() => {
    symbolizer = new Symbolizer({tool});
  });

  afterEach(() => {
    symbolizer.close();
  });

  it('uses the tool it was asked for', () => {
    expect(symbolizer.tool.kind).toBe(tool);
  });

  // llvm-symbolizer reads them through a link; the kernel's maps write a newline as \012.
  it.each([
    ['a double quote', 'q"'],
    ['a newline', 'nl\n'],
  ])('names the frames of an object whose path holds %s', async (_name, folder) => {
    const {binary, source} = buildProbe(`probe-${tool}-${folder.length}-odd`, ['-pie', '-fPIE']);
    const odd = join(workDir, `${folder}${tool}`, 'probe');
    mkdirSync(join(workDir, `${folder}${tool}`));
    copyFileSync(binary, odd);
    const probe = runProbe(odd);
    const [[frame]] = await symbolizer.symbolize(probe.maps, [probe.call]);
    expect({function: frame.function, line: frame.line, object: frame.object}).toEqual({function: 'probe_caller', line: lineOf(source, 'PROBE_CALL'), object: odd});
  });

  describe.each([
    ['PIE', ['-pie', '-fPIE']],
    ['non-PIE', ['-no-pie', '-fno-pie']],
  ])('a %s build', (kind, flags) => {
    let probe: ProbeOutput;
    let source: string;
    let binary: string;

    beforeAll(() => {
      ({binary, source} = buildProbe(`probe-${tool}-${kind}`, flags));
      probe = runProbe(binary);
    });

    it('names the caller, file and line of a return address, keeping the recorded address', async () => {
      const [[frame, ...more]] = await symbolizer.symbolize(probe.maps, [probe.call]);
      expect(more).toEqual([]);
      expect(frame.inlined).toBeUndefined();
      expect(frame.address).toBe(probe.call);
      expect(frame.function).toBe('probe_caller');
      expect(basename(frame.file ?? '')).toBe(basename(`${binary}.c`));
      expect(frame.line).toBe(lineOf(source, 'PROBE_CALL'));
      expect(frame.object).toBe(binary);
    });

    it('names each function inlined at an address, innermost first, then the one that owns it, all at that address', async () => {
      const [frames] = await symbolizer.symbolize(probe.maps, [probe.inlined]);
      expect(frames.map(({function: fn, line, inlined}) => ({fn, line, inlined}))).toEqual([
        {fn: 'inlined_caller', line: lineOf(source, 'INLINED_CALL'), inlined: true},
        {fn: 'inline_owner', line: lineOf(source, 'OWNER_CALL'), inlined: undefined},
      ]);
      expect(frames.map(frame => frame.address)).toEqual([probe.inlined, probe.inlined]);
      // A record's stack has both, in that order.
      const record = {kind: 'malloc' as const, ptr: '0x1', prevPtr: '0x0', size: 1, timeNs: '0', frames: [probe.inlined, probe.call]};
      const [stack] = await symbolizer.symbolizeRecords(probe.maps, [record]);
      expect(stack.map(frame => frame.function)).toEqual(['inlined_caller', 'inline_owner', 'probe_caller']);
    });

    it('names a function from its own address when told these are not return addresses', async () => {
      const [[frame]] = await symbolizer.symbolize(probe.maps, [probe.function], {returnAddresses: false});
      expect(frame.function).toBe('probe_caller');
      expect(frame.line).toBe(lineOf(source, 'PROBE_DEFINITION'));
    });

    it('gives the same answers per record as per address', async () => {
      const records = [
        {kind: 'malloc' as const, ptr: '0x1', prevPtr: '0x0', size: 1, timeNs: '0', frames: [probe.call, probe.call]},
        {kind: 'calloc' as const, ptr: '0x2', prevPtr: '0x0', size: 2, timeNs: '0', frames: []},
        {kind: 'malloc' as const, ptr: '0x3', prevPtr: '0x0', size: 3, timeNs: '0', frames: [probe.call]},
      ];
      const perRecord = await symbolizer.symbolizeRecords(probe.maps, records);
      const [[single]] = await symbolizer.symbolize(probe.maps, [probe.call]);
      expect(perRecord.map(frames => frames.length)).toEqual([2, 0, 1]);
      expect(perRecord.flat()).toEqual([single, single, single]);
    });
  });

  it('names a shared library function and its object in a PIE build', async () => {
    const {binary} = buildProbe(`probe-${tool}-libc`, ['-pie', '-fPIE']);
    const probe = runProbe(binary);
    const [chain] = await symbolizer.symbolize(probe.maps, [probe.libc], {returnAddresses: false});
    const frame = chain[chain.length - 1];
    expect(frame.function).toMatch(/printf/);
    expect(basename(frame.object ?? '')).toMatch(/^libc[.-]/);
  });

  it('notices a rebuilt object at the same path', async () => {
    const first = buildProbe(`probe-${tool}-rebuilt`, []);
    const firstRun = runProbe(first.binary);
    const [[before]] = await symbolizer.symbolize(firstRun.maps, [firstRun.call]);
    const second = buildProbe(`probe-${tool}-rebuilt`, [], 3);
    const probe = runProbe(second.binary);
    const [[after]] = await symbolizer.symbolize(probe.maps, [probe.call]);
    expect(before.line).toBe(lineOf(first.source, 'PROBE_CALL'));
    expect(after.line).toBe(lineOf(second.source, 'PROBE_CALL'));
  });

  it('does not name frames after a file put in place of the one the process mapped (marked so as host mode reads the map), and still after the others', async () => {
    const {binary} = buildProbe(`probe-${tool}-replaced`, []);
    const probe = runProbe(binary);
    // Another program, renamed over it (as a relink or an upgrade does): read by its path, it named the old
    // addresses after its own functions. Its line of the map is marked " (deleted)" (pmd marks it in the VM).
    const other = join(workDir, `other-${tool}`);
    writeFileSync(`${other}.c`, 'int pad(int x) { return x * 3; }\nint main(int argc, char **argv) { (void)argv; return pad(argc); }\n');
    execFileSync('gcc', ['-g', '-O0', '-o', other, `${other}.c`]);
    renameSync(other, binary);
    const [[replaced], [libc]] = await symbolizer.symbolize(markReplaced(probe.maps), [probe.call, probe.libc], {returnAddresses: false});
    expect({function: replaced.function, file: replaced.file, line: replaced.line, object: replaced.object}).toEqual({function: null, file: null, line: null, object: `${binary} (deleted)`});
    expect(replaced.offset).not.toBeNull();
    expect(libc.function).toMatch(/printf/);
  });

  it('works out an address given millions of times once (a program that leaked a million blocks from one place)', async () => {
    const {binary} = buildProbe(`probe-${tool}-many`, []);
    const probe = runProbe(binary);
    // Three million: more than Promise.all takes at once.
    const frames = await symbolizer.symbolize(probe.maps, Array(3_000_000).fill(probe.call));
    expect(frames).toHaveLength(3_000_000);
    expect(frames[0][0].function).toBe('probe_caller');
    expect(frames[2_999_999]).toBe(frames[0]);
  });

  it('gives stacks with the same addresses one array of frames, whether or not they share their list', async () => {
    const {binary} = buildProbe(`probe-${tool}-stacks`, []);
    const probe = runProbe(binary);
    const list = [probe.call, probe.call];
    const stacks = await symbolizer.symbolizeStacks(probe.maps, [list, [probe.call], list, [...list]]);
    expect(stacks.map(frames => frames.length)).toEqual([2, 1, 2, 2]);
    expect(stacks[2]).toBe(stacks[0]);
    expect(stacks[3]).toBe(stacks[0]);
    expect(stacks[1]).not.toBe(stacks[0]);
    expect(stacks[1][0].function).toBe('probe_caller');
  });

  it('does not keep Node alive while idle, so a forgotten close() cannot hang a process', async () => {
    const {binary} = buildProbe(`probe-${tool}-idle`, []);
    const probe = runProbe(binary);
    const heldProcesses = (): number => process.getActiveResourcesInfo().filter(name => name === 'ProcessWrap').length;
    const before = heldProcesses();
    const [[frame]] = await symbolizer.symbolize(probe.maps, [probe.call]);
    expect(frame.function).toBe('probe_caller');
    // An addr2line child has exited by now, but libuv closes its handle in a later phase of the loop
    // (a closing handle holds nothing): give it a few turns, more on a loaded machine.
    for (let turns = 0; turns < 100 && heldProcesses() > before; turns++) await new Promise(resolve => setTimeout(resolve, 10));
    // At most as many: an addr2line child of an earlier test may still be ending when `before` is taken.
    expect(heldProcesses()).toBeLessThanOrEqual(before);
  });

  describe('bad input', () => {
    let probe: ProbeOutput;
    let binary: string;

    beforeAll(() => {
      ({binary} = buildProbe(`probe-${tool}-bad`, []));
      probe = runProbe(binary);
    });

    it('answers nulls for an address that no object holds, and for text that is no address', async () => {
      const frames = await symbolizer.symbolize(probe.maps, ['0x10', 'not-an-address', '']);
      expect(frames).toEqual([
        [{address: '0x10', function: null, file: null, line: null, object: null, offset: null}],
        [{address: 'not-an-address', function: null, file: null, line: null, object: null, offset: null}],
        [{address: '', function: null, file: null, line: null, object: null, offset: null}],
      ]);
    });

    it('answers nulls with the object named when the object file is missing or not ELF', async () => {
      const notElf = join(workDir, 'not-elf.so');
      writeFileSync(notElf, 'plain text, not an object file\n');
      const maps = [
        `7f0000000000-7f0000001000 r-xp 00000000 fe:00 1 ${join(workDir, 'gone.so')}`,
        `7f0000100000-7f0000101000 r-xp 00000000 fe:00 2 ${notElf}`,
        '7f0000200000-7f0000201000 r-xp 00000000 00:00 0 [vdso]',
      ].join('\n');
      const frames = (await symbolizer.symbolize(maps, ['0x7f0000000123', '0x7f0000100123', '0x7f0000200010'])).flat();
      expect(frames.map(({function: fn, file, line}) => ({fn, file, line}))).toEqual([
        {fn: null, file: null, line: null},
        {fn: null, file: null, line: null},
        {fn: null, file: null, line: null},
      ]);
      expect(frames.map(frame => frame.object)).toEqual([join(workDir, 'gone.so'), notElf, '[vdso]']);
      expect(frames[0].offset).toBe('0x123');
    });

    it('answers nulls after close(), and close() is safe twice', async () => {
      symbolizer.close();
      symbolizer.close();
      const [[frame]] = await symbolizer.symbolize(probe.maps, [probe.call]);
      expect(frame.object).toBe(binary);
      expect(frame.function).toBeNull();
    });
  });
});
