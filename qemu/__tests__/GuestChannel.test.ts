// The host's end of pmd's channel splits the stream into lines wherever its chunks end: a line cut across
// many chunks (a multi-megabyte answer), several lines in one chunk, and a chunk that ends a line exactly;
// it puts a run's children, sent ahead of its result, back in the result, and passes over a line too
// long to hold without losing the next.
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { GuestChannel, InputStreamError, RequestNotTextError, RequestTooLongError, type RunControl } from '../GuestChannel';
import { MAX_REQUEST_BYTES } from '../protocol';

let dir: string;
let server: net.Server;
let guest: Promise<net.Socket>;
let channel: GuestChannel;
// Small, so that a test can pass it; the real limit is hundreds of MiB.
const maxLineChars = 4096;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-channel-'));
  const socketPath = path.join(dir, 'pmd.sock');
  server = net.createServer();
  guest = new Promise((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  channel = await GuestChannel.connect(socketPath, maxLineChars);
});

afterEach(async () => {
  channel.close();
  (await guest).destroy();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes text in pieces of the given sizes (the rest in one), each a separate write the reader may see apart. */
async function sendInPieces(socket: net.Socket, text: string, sizes: number[]): Promise<void> {
  let at = 0;
  for (const size of [...sizes, text.length]) {
    if (at >= text.length) break;
    const piece = text.slice(at, at + size);
    at += piece.length;
    await new Promise<void>((resolve) => socket.write(piece, () => resolve()));
  }
}

test('reads an answer cut into many chunks, and lines that share a chunk', async () => {
  const socket = await guest;
  const ready = JSON.stringify({ type: 'ready', version: 'test' });
  await sendInPieces(socket, `${ready.slice(0, 5)}`, []);
  await sendInPieces(socket, `${ready.slice(5)}\n\n`, []);
  expect(await channel.whenReady()).toMatchObject({ type: 'ready' });

  const first = channel.request({ type: 'shutdown' });
  const second = channel.request({ type: 'shutdown' });
  // An answer near the longest line, sent 100 characters at a time, then a second answer in the same chunk
  // as the first's end.
  const big = JSON.stringify({ id: 1, type: 'bye', filler: 'x'.repeat(maxLineChars - 100) });
  const small = JSON.stringify({ id: 2, type: 'bye' });
  const stream = `${big}\n${small}\n`;
  await sendInPieces(socket, stream, Array(Math.floor(big.length / 100)).fill(100));
  const [a, b] = await Promise.all([first, second]);
  expect(a).toMatchObject({ id: 1, type: 'bye' });
  expect((a as unknown as { filler: string }).filler).toHaveLength(maxLineChars - 100);
  expect(b).toEqual({ id: 2, type: 'bye' });
});

test('a line that is not JSON fails what waits, with the start of the line', async () => {
  const socket = await guest;
  const pending = channel.request({ type: 'shutdown' });
  await sendInPieces(socket, 'not json at all\n', [3]);
  await expect(pending).rejects.toThrow('pmd sent a line that is not JSON: not json at all');
});

const child = (id: number, pid: number) => ({
  id, type: 'child', pid, exitCode: 0, signal: null, maps: '', records: [], unmatchedFrees: 0, dropped: 0, unhooked: false, stopped: false, mismatches: [], mismatchedFrees: 0,
});
const result = (id: number, children: number) => ({ id, type: 'result', pid: 1, exitCode: 0, signal: null, records: [], children });

test("a run's children, each a line ahead of its result, are put back in the result in order", async () => {
  const socket = await guest;
  const first = channel.request({ type: 'shutdown' });
  const second = channel.request({ type: 'shutdown' });
  const lines = [child(1, 10), child(2, 20), child(1, 11), result(2, 1), result(1, 2)];
  await sendInPieces(socket, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), [7, 50, 3]);
  const [a, b] = (await Promise.all([first, second])) as unknown as Array<{ children: Array<{ pid: number; id?: number; type?: string }> }>;
  expect(a.children.map((c) => c.pid)).toEqual([10, 11]);
  expect(b.children.map((c) => c.pid)).toEqual([20]);
  // A child is the process's fields alone.
  expect(a.children[0]).not.toHaveProperty('type');
  expect(a.children[0]).not.toHaveProperty('id');
});

test("pmd's word that the program has ended: a signal is no longer sent, and the run's answer still comes", async () => {
  const socket = await guest;
  const control: RunControl = {};
  const pending = channel.request({ type: 'shutdown' }, undefined, control);
  expect([control.signal?.('SIGTERM'), control.ended?.()]).toEqual([true, false]);
  await sendInPieces(socket, `${JSON.stringify({ id: 1, type: 'ended' })}\n`, []);
  for (let waited = 0; control.ended?.() !== true && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  expect([control.ended?.(), control.signal?.('SIGINT')]).toEqual([true, false]);
  await sendInPieces(socket, `${JSON.stringify(result(1, 0))}\n`, []);
  expect(await pending).toMatchObject({ id: 1, type: 'result' });
});

test('a result that announces other children than were sent fails its run', async () => {
  const socket = await guest;
  const pending = channel.request({ type: 'shutdown' });
  await sendInPieces(socket, `${JSON.stringify(child(1, 10))}\n${JSON.stringify(result(1, 2))}\n`, []);
  await expect(pending).rejects.toThrow('pmd announced 2 children of run 1 but sent 1');
});

test.each([
  ['in pieces', [1000, 1000, 1000, 1000, 1000]],
  ['ending with the piece that passes the limit', [maxLineChars + 1]],
])('a line too long to hold fails what waits, with a clear error, and the next answer still arrives (%s)', async (_name, sizes) => {
  const socket = await guest;
  const first = channel.request({ type: 'shutdown' });
  const long = JSON.stringify({ id: 1, type: 'bye', filler: 'x'.repeat(maxLineChars) });
  await sendInPieces(socket, `${long}\n`, sizes);
  await expect(first).rejects.toThrow('pmd sent an answer line of more than 0 MiB, more than one string can hold here');
  const second = channel.request({ type: 'shutdown' });
  await sendInPieces(socket, `${JSON.stringify({ id: 2, type: 'bye' })}\n`, []);
  expect(await second).toEqual({ id: 2, type: 'bye' });
});

test('a request longer than pmd reads is refused at once, nothing sent, and the channel goes on', async () => {
  const socket = await guest;
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  const run = { argv: ['/bin/true'], cwd: '/', env: {}, hook: null, timeoutMs: 0 };
  // Multi-byte characters count as the bytes they take on the wire.
  const tooLong = channel.request({ type: 'run', ...run, env: { BIG: 'é'.repeat(MAX_REQUEST_BYTES / 2) } });
  await expect(tooLong).rejects.toThrow(RequestTooLongError);
  await expect(tooLong).rejects.toThrow(/^pmm: the run's request to the guest is 671\d{5} bytes, more than the 67108864 \(64 MiB\) pmd reads/);
  const next = channel.request({ type: 'run', ...run });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const lines = Buffer.concat(received).toString().split('\n').filter((l) => l !== '');
  expect(lines.map((l) => (JSON.parse(l) as { argv: string[] }).argv)).toEqual([['/bin/true']]);
  await sendInPieces(socket, `${JSON.stringify({ id: JSON.parse(lines[0]).id, type: 'bye' })}\n`, []);
  await expect(next).resolves.toMatchObject({ type: 'bye' });
});

test.each([
  ['an argument', { argv: ['/bin/echo', 'ok', 'a\ud800b'] }, 'argument 2 "a\\ud800b"'],
  ['a variable', { env: { NAME: '\udfff' } }, 'variable NAME "\\udfff"'],
  ["a variable's name", { env: { ['N\ud83d']: 'v' } }, 'name of a variable "N\\ud83d"'],
  ['the working directory', { cwd: '/tmp/\ud800' }, 'working directory "/tmp/\\ud800"'],
])('a request with half a surrogate pair in %s is refused at once, naming it, and nothing is sent', async (_name, fields, where) => {
  const socket = await guest;
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  const run = { argv: ['/bin/true'], cwd: '/', env: {}, hook: null, timeoutMs: 0, ...fields };
  const refused = channel.request({ type: 'run', ...run });
  await expect(refused).rejects.toThrow(RequestNotTextError);
  await expect(refused).rejects.toThrow(`pmm: the run's ${where} has half of a UTF-16 surrogate pair, which is not text`);
  // A whole pair is text: sent.
  const whole = channel.request({ type: 'run', ...run, argv: ['/bin/echo', '\ud83d\ude00'], cwd: '/', env: { E: '\ud83d\ude00' } });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const lines = Buffer.concat(received).toString().split('\n').filter((l) => l !== '');
  expect(lines.map((l) => (JSON.parse(l) as { argv: string[] }).argv)).toEqual([['/bin/echo', '😀']]);
  await sendInPieces(socket, `${JSON.stringify({ id: JSON.parse(lines[0]).id, type: 'bye' })}\n`, []);
  await expect(whole).resolves.toMatchObject({ type: 'bye' });
});

test('an error pmd sends without an id (a request it could not read) fails what waits at once, with its message', async () => {
  const socket = await guest;
  const waiting = channel.request({ type: 'run', argv: ['/bin/true'], cwd: '/', env: {}, hook: null, timeoutMs: 0 });
  await sendInPieces(socket, `${JSON.stringify({ id: null, type: 'error', message: 'high surrogate \\ud800 without its low half' })}\n`, []);
  await expect(waiting).rejects.toThrow('pmd could not read a request: high surrogate \\ud800 without its low half');
});

test("a streamed run's output goes to the listener as it comes, and into the result's stdout and stderr", async () => {
  const socket = await guest;
  const received: string[] = [];
  socket.on('data', (d: Buffer) => received.push(d.toString()));
  const pieces: Array<[string, string]> = [];
  const run = channel.request({ type: 'run', argv: ['/bin/x'], cwd: '/', env: {}, hook: null, timeoutMs: 0 }, (stream, data) => pieces.push([stream, data.toString()]));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const sent = JSON.parse(received.join('').trim()) as { id: number; stream?: boolean };
  expect(sent.stream).toBe(true);
  const output = (stream: string, text: string) => ({ id: sent.id, type: 'output', stream, data: Buffer.from(text).toString('base64') });
  const lines = [output('stdout', 'one\n'), output('stderr', 'oops\n'), output('stdout', 'two\n'), { ...result(sent.id, 0), stdout: '', stderr: '' }];
  await sendInPieces(socket, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), [30, 30]);
  const answer = (await run) as unknown as { stdout: string; stderr: string; truncated?: boolean };
  expect(pieces).toEqual([['stdout', 'one\n'], ['stderr', 'oops\n'], ['stdout', 'two\n']]);
  expect(Buffer.from(answer.stdout, 'base64').toString()).toBe('one\ntwo\n');
  expect(Buffer.from(answer.stderr, 'base64').toString()).toBe('oops\n');
  expect(answer.truncated).toBeUndefined();
});

describe('a streamed stdin', () => {
  const runBody = { type: 'run' as const, argv: ['/bin/x'], cwd: '/', env: {}, hook: null, timeoutMs: 0 };
  type Line = { id: number; type: string; stdinStream?: boolean; data?: string; end?: boolean };

  /** What the host sends the guest, line by line, as it comes. */
  async function guestLines(): Promise<{ socket: net.Socket; lines: Line[] }> {
    const socket = await guest;
    const lines: Line[] = [];
    let partial = '';
    socket.on('data', (d: Buffer) => {
      const split = (partial + d.toString()).split('\n');
      partial = split.pop()!;
      lines.push(...split.map((l) => JSON.parse(l) as Line));
    });
    return { socket, lines };
  }
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));
  const inputBytes = (lines: Line[]): Buffer[] => lines.filter((l) => l.type === 'input' && l.data !== undefined).map((l) => Buffer.from(l.data!, 'base64'));
  const send = (socket: net.Socket, message: object): Promise<void> => sendInPieces(socket, `${JSON.stringify(message)}\n`, []);

  test('goes in input lines of at most 48 KiB, no more than 256 KiB ahead of what pmd took, then its end', async () => {
    const { socket, lines } = await guestLines();
    const input = new PassThrough();
    const run = channel.request(runBody, undefined, undefined, input);
    const data = Buffer.from(Array.from({ length: 600 * 1024 }, (_, i) => (i * 13) & 0xff));
    for (let at = 0; at < data.length; at += 100 * 1024) input.write(data.subarray(at, at + 100 * 1024));
    await settle();
    expect(lines[0]).toMatchObject({ type: 'run', stdinStream: true });
    const id = lines[0].id;
    const ahead = inputBytes(lines);
    // Three writes of 100 KiB reach the window: the pump waits there.
    expect(ahead.reduce((sum, b) => sum + b.length, 0)).toBe(300 * 1024);
    expect(ahead.every((b) => b.length <= 48 * 1024)).toBe(true);
    await send(socket, { id, type: 'inputTaken', bytes: 300 * 1024 });
    input.end();
    await settle();
    expect(Buffer.concat(inputBytes(lines)).equals(data)).toBe(true);
    expect(lines[lines.length - 1]).toEqual({ id, type: 'input', end: true });
    await send(socket, result(id, 0));
    await expect(run).resolves.toMatchObject({ type: 'result' });
  });

  test('is read no more once pmd says the program closed it, nor once the run has ended', async () => {
    const { socket, lines } = await guestLines();
    const input = new PassThrough();
    const run = channel.request(runBody, undefined, undefined, input);
    input.write('one');
    await settle();
    const id = lines[0].id;
    await send(socket, { id, type: 'inputTaken', bytes: 3, closed: true });
    await settle();
    input.write('two');
    await settle();
    expect(inputBytes(lines).map(String)).toEqual(['one']);
    expect(input.isPaused()).toBe(true);
    await send(socket, result(id, 0));
    await run;

    const again = new PassThrough();
    const second = channel.request(runBody, undefined, undefined, again);
    await settle();
    const secondId = lines[lines.length - 1].id;
    await send(socket, result(secondId, 0));
    await second;
    again.write('late');
    await settle();
    expect(lines.filter((l) => l.id === secondId && l.type === 'input')).toEqual([]);
  });

  test.each([
    ['a stream that fails', (input: PassThrough) => input.destroy(new Error('EIO: i/o error')), "pmm: reading the program's input failed: EIO: i/o error; the program read the end of its input there"],
    ['a stream that gives no bytes', (input: PassThrough) => input.write({ not: 'bytes' }), "pmm: the program's input is a stream that gave object, not bytes or a string; the program read the end of its input there"],
    ['a stream destroyed before its end', (input: PassThrough) => input.destroy(), "pmm: the program's input stream was closed (destroyed) before its end; the program read the end of its input there"],
  ])('%s ends the input, and fails the run once it has ended, without failing the channel', async (_what, spoil, message) => {
    const { socket, lines } = await guestLines();
    const input = new PassThrough({ objectMode: true });
    const run = channel.request(runBody, undefined, undefined, input);
    spoil(input);
    await settle();
    const id = lines[0].id;
    expect(lines.slice(1)).toEqual([{ id, type: 'input', end: true }]);
    await send(socket, result(id, 0));
    await expect(run).rejects.toThrow(InputStreamError);
    await expect(run).rejects.toThrow(message);
    const next = channel.request({ type: 'shutdown' });
    await send(socket, { id: id + 1, type: 'bye' });
    await expect(next).resolves.toMatchObject({ type: 'bye' });
  });
});
