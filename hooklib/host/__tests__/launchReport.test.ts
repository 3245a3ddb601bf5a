// Reading what pmm-launch reports on its descriptor 3.
import { parseLaunchLine, waitStatusEnding } from '../launchReport';
import { parseLaunchReport } from './launchReportOf';

test.each([
  ['exit 0', 0, { exitCode: 0, signal: null }],
  ['exit 3', 3 << 8, { exitCode: 3, signal: null }],
  ['SIGSEGV with a core dump', 11 | 0x80, { exitCode: null, signal: 'SIGSEGV' }],
  ['a real-time signal', 35, { exitCode: null, signal: 'SIGRTMIN+1' }],
])('wait status: %s', (_name, status, ending) => {
  expect(waitStatusEnding(status)).toEqual(ending);
});

test('a program that ran: its pid and its ending, answers to asks between', () => {
  expect(parseLaunchReport('pid 41 requests 34\npassed SIGINT\nkept SIGQUIT\nstatus 768\n')).toEqual({ pid: 41, ending: { exitCode: 3, signal: null }, failure: null });
});

test.each([
  ['pid 41 requests 34', { kind: 'pid', pid: 41, requestBase: 34 }],
  ['passed SIGTERM', { kind: 'answer', signal: 'SIGTERM', passedOn: true }],
  ['kept SIGINT', { kind: 'answer', signal: 'SIGINT', passedOn: false }],
  ['group SIGTERM', { kind: 'group', signal: 'SIGTERM' }],
  ['status 35', { kind: 'ending', ending: { exitCode: null, signal: 'SIGRTMIN+1' } }],
])('line %j', (line, said) => {
  expect(parseLaunchLine(line)).toEqual(said);
});

test('a launcher killed before it said more: the pid only, or nothing', () => {
  expect(parseLaunchReport('pid 41 requests 34\n')).toEqual({ pid: 41, ending: null, failure: null });
  expect(parseLaunchReport('')).toEqual({ pid: null, ending: null, failure: null });
});

test('a program that could not be run: errno and its text', () => {
  expect(parseLaunchReport('pid 41 requests 34\nexec 2 No such file or directory\n')).toEqual({
    pid: 41, ending: null, failure: { stage: 'exec', errno: 2, message: 'No such file or directory' },
  });
});

test('a line it cannot read is an error, not ignored', () => {
  expect(() => parseLaunchReport('pid 41 requests 34\nstatus soon\n')).toThrow('pmm-launch said what pmm cannot read: "status soon"');
});
