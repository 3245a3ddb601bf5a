import { CappedOutput } from '../cappedOutput';
import { OUTPUT_CAP_BYTES } from '../types';

test('keeps every byte up to the cap, in order, and says nothing was cut', () => {
  const out = new CappedOutput();
  out.add(Buffer.from('ab'));
  out.add(Buffer.alloc(0));
  out.add(Buffer.from('c'));
  expect(out.bytes().toString()).toBe('abc');
  expect(out.truncated).toBe(false);
});

test('keeps the first OUTPUT_CAP_BYTES, cutting the piece that passes them, and says so', () => {
  const out = new CappedOutput();
  out.add(Buffer.alloc(OUTPUT_CAP_BYTES - 1, 0x61));
  expect(out.truncated).toBe(false);
  out.add(Buffer.from('bc'));
  out.add(Buffer.from('d'));
  const kept = out.bytes();
  expect(kept.length).toBe(OUTPUT_CAP_BYTES);
  expect(kept.subarray(-2).toString()).toBe('ab');
  expect(out.truncated).toBe(true);
});
