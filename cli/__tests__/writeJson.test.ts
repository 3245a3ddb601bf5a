// writeJson gives what JSON.stringify(value, null, 2) gives, without building it as one string.
import { writeJson } from '../writeJson';

const written = (value: unknown): { text: string; pieces: number } => {
  const pieces: string[] = [];
  writeJson(value, (piece) => pieces.push(piece));
  return { text: pieces.join(''), pieces: pieces.length };
};

test.each<[string, unknown]>([
  ['a number', 3],
  ['a string with quotes, a newline and non-ASCII', 'a "b"\nc é \u2028'],
  ['null', null],
  ['empty containers', { a: [], b: {}, c: [{}] }],
  ['nested arrays and objects', { run: { children: [{ pid: 1, leaks: [{ frames: [{ address: '0x1', line: null }] }] }] }, n: [1, [2, [3]]] }],
  ['what JSON leaves out or nulls', { gone: undefined, fn: () => 1, list: [undefined, () => 1, 2], keep: false }],
  ['an object of only left-out fields', { gone: undefined }],
  ['toJSON, with its key', { when: new Date(0), custom: { toJSON: (key: string) => `key ${key}` }, list: [{ toJSON: (key: string) => key }] }],
  ['numbers JSON cannot hold', [NaN, Infinity, -0]],
])('%s', (_name, value) => {
  expect(written(value).text).toBe(JSON.stringify(value, null, 2));
});

test('writes nothing for what JSON.stringify gives nothing for', () => {
  expect(written(undefined)).toEqual({ text: '', pieces: 0 });
});

test('throws on a BigInt, as JSON.stringify does', () => {
  expect(() => written({ n: 1n })).toThrow(TypeError);
});

test('a large value goes out in pieces of about a MiB, the same text in all', () => {
  const value = { children: Array.from({ length: 3000 }, (_, pid) => ({ pid, leaks: [{ frames: Array(20).fill({ function: 'f', file: '/src/x.c' }) }] })) };
  const { text, pieces } = written(value);
  expect(text).toBe(JSON.stringify(value, null, 2));
  expect(pieces).toBeGreaterThan(1);
});

test('calls each toJSON once, as JSON.stringify does', () => {
  let calls = 0;
  const counted = { toJSON: () => ++calls };
  expect(written({ a: counted, list: [counted] }).text).toBe('{\n  "a": 1,\n  "list": [\n    2\n  ]\n}');
  expect(calls).toBe(2);
});
