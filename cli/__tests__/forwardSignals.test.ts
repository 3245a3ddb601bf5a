// forwardSignals' choice once the program has ended, with the process's signal handlers driven by
// process.emit and process.kill held back: a group signal the program had is reported, another ends pmm.
import { forwardSignals } from '../forwardSignals';
import type { RunControl } from '../../qemu/GuestChannel';

function forwarding(hadFromGroup: (name: string) => boolean) {
  const notes: string[] = [];
  const dying: string[] = [];
  const control: RunControl = { signal: () => false, hadFromGroup };
  const forwarded = forwardSignals(control, (message) => notes.push(message), {
    sharesGroup: true, onTerminal: false, reports: true, beforeDying: (signal) => dying.push(signal), beforeDefaultAction: () => {},
  });
  return { notes, dying, forwarded };
}

let kill: jest.SpyInstance;
beforeEach(() => {
  kill = jest.spyOn(process, 'kill').mockImplementation(() => true);
});
afterEach(() => kill.mockRestore());

test("a group signal whose handler runs only while the run is read (a loaded machine) is reported, as one that ran before", async () => {
  // Before, only a signal taken before the run was read asked the launcher's word: this one ended pmm,
  // "stopped before the report" (1 run in 60 of a group kill under load).
  const { notes, dying, forwarded } = forwarding((name) => name === 'SIGTERM');
  const ended = forwarded.programEnded();
  process.emit('SIGTERM', 'SIGTERM');
  await ended;
  expect(dying).toEqual([]);
  expect(kill).not.toHaveBeenCalled();
  expect(notes).toEqual(['pmm: SIGTERM: the program got it too, sent to its whole process group; its report follows when it has ended']);
});

test('a signal the group did not have, taken while the run is read, still ends pmm before the report', async () => {
  const { notes, dying, forwarded } = forwarding(() => false);
  const ended = forwarded.programEnded();
  process.emit('SIGINT', 'SIGINT');
  await ended;
  expect(dying).toEqual(['SIGINT']);
  expect(kill).toHaveBeenCalledWith(process.pid, 'SIGINT');
  expect(notes).toEqual(['pmm: SIGINT: stopped before the report']);
});

test('in the VM, a signal once pmd said the program has ended stops pmm at once, not after what it left is collected', () => {
  const notes: string[] = [];
  const dying: string[] = [];
  const control: RunControl = { signal: () => false, ended: () => true };
  const forwarded = forwardSignals(control, (message) => notes.push(message), {
    sharesGroup: false, onTerminal: false, reports: true, beforeDying: (signal) => dying.push(signal), beforeDefaultAction: () => {},
  });
  process.emit('SIGTERM', 'SIGTERM');
  expect(dying).toEqual(['SIGTERM']);
  expect(kill).toHaveBeenCalledWith(process.pid, 'SIGTERM');
  expect(notes).toEqual(['pmm: SIGTERM: stopped before the report']);
  forwarded.stop();
});

test("one before pmd's word waits for the run to be read (host mode cleans up after the program first)", () => {
  const dying: string[] = [];
  const forwarded = forwardSignals({ signal: () => false, ended: () => false }, () => {}, {
    sharesGroup: false, onTerminal: false, reports: true, beforeDying: (signal) => dying.push(signal), beforeDefaultAction: () => {},
  });
  process.emit('SIGTERM', 'SIGTERM');
  expect(dying).toEqual([]);
  forwarded.stop();
});

test('a signal passed on that asks the program to end marks the run as being ended; SIGUSR1 and SIGUSR2, which ask it to go on, do not', () => {
  // SIGUSR1 to dd (its progress) made pmm give up on a slow stdout reader 10 s later, dropping the output.
  const passed: string[] = [];
  const control: RunControl = { signal: () => true };
  const forwarded = forwardSignals(control, () => {}, {
    sharesGroup: false, onTerminal: false, reports: true, beforeDying: () => {}, beforeDefaultAction: () => {}, passedOn: (signal) => passed.push(signal),
  });
  try {
    for (const name of ['SIGUSR1', 'SIGUSR2', 'SIGTERM'] as const) process.emit(name, name);
    expect(passed).toEqual(['SIGTERM']);
  } finally {
    forwarded.stop();
  }
});
