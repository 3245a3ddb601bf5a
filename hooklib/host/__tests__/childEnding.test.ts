// How runHost names a child's ending from what the hooks marked (hooklib/pmm_exit.c).
import { childEnding } from '../runHost';

describe('childEnding', () => {
  it.each<[string, number | undefined, number | null, boolean, { exitCode: number | null; signal: string | null; endedByRun?: true }]>([
    ['reaped after exit(7)', 7 << 8, 7, false, { exitCode: 7, signal: null }],
    ['reaped, killed by SIGSEGV (its core dump flag set)', 11 | 0x80, null, false, { exitCode: null, signal: 'SIGSEGV' }],
    ['reaped, killed by abort(): SIGABRT, as pmd names it (Node also calls 6 SIGIOT)', 6, null, false, { exitCode: null, signal: 'SIGABRT' }],
    ['reaped, killed by a real-time signal, which Node has no name for', 35, null, false, { exitCode: null, signal: 'SIGRTMIN+1' }],
    ['the reaped status wins over its own mark (killed in an exit handler)', 9, 0, false, { exitCode: null, signal: 'SIGKILL' }],
    ['not reaped by a hooked parent: its own exit mark', undefined, 3, false, { exitCode: 3, signal: null }],
    ['neither: killed by the run as a leftover', undefined, null, true, { exitCode: null, signal: 'SIGKILL', endedByRun: true }],
    ['neither, and not the run: not known', undefined, null, false, { exitCode: null, signal: null }],
    ['reaped by a hooked parent, though the run killed it too: the reaped status, not ended by the run', 9, null, true, { exitCode: null, signal: 'SIGKILL' }],
    ['its own exit mark, though the run killed it too: not ended by the run', undefined, 0, true, { exitCode: 0, signal: null }],
  ])('%s', (_name, waitStatus, exitCode, killed, ending) => {
    expect(childEnding(waitStatus, exitCode, killed)).toEqual(ending);
  });
});
