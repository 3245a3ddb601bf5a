// The host's end of pmd's channel splits the stream into lines wherever its chunks end: a line cut across
// many chunks (a multi-megabyte answer), several lines in one chunk, and a chunk that ends a line exactly.
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { GuestChannel } from '../GuestChannel';

let dir: string;
let server: net.Server;
let guest: Promise<net.Socket>;
let channel: GuestChannel;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-channel-'));
  const socketPath = path.join(dir, 'pmd.sock');
  server = net.createServer();
  guest = new Promise((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  channel = await GuestChannel.connect(socketPath);
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

test('reads a multi-megabyte answer cut into many chunks, and lines that share a chunk', async () => {
  const socket = await guest;
  const ready = JSON.stringify({ type: 'ready', version: 'test' });
  await sendInPieces(socket, `${ready.slice(0, 5)}`, []);
  await sendInPieces(socket, `${ready.slice(5)}\n\n`, []);
  expect(await channel.whenReady()).toMatchObject({ type: 'ready' });

  const first = channel.request({ type: 'shutdown' });
  const second = channel.request({ type: 'shutdown' });
  // A result whose stdout alone is 8 MB, sent 64 KiB at a time, then a second answer in the same chunk
  // as the first's end.
  const big = JSON.stringify({ id: 1, type: 'bye', filler: 'x'.repeat(8 << 20) });
  const small = JSON.stringify({ id: 2, type: 'bye' });
  const stream = `${big}\n${small}\n`;
  await sendInPieces(socket, stream, Array(Math.floor(big.length / 65536)).fill(65536));
  const [a, b] = await Promise.all([first, second]);
  expect(a).toMatchObject({ id: 1, type: 'bye' });
  expect((a as unknown as { filler: string }).filler).toHaveLength(8 << 20);
  expect(b).toEqual({ id: 2, type: 'bye' });
});

test('a line that is not JSON fails what waits, with the start of the line', async () => {
  const socket = await guest;
  const pending = channel.request({ type: 'shutdown' });
  await sendInPieces(socket, 'not json at all\n', [3]);
  await expect(pending).rejects.toThrow('pmd sent a line that is not JSON: not json at all');
});
