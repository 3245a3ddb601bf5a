// JSON.stringify(value, null, 2), written in pieces: a report of a run with hundreds of processes can be
// larger than one JavaScript string holds (about 512 MiB), which JSON.stringify must build whole.

/** Pieces are gathered up to this size before each write. */
const PIECE_CHARS = 1 << 20;

/**
 * Writes value as JSON.stringify(value, null, 2) would give it, through write, in pieces of about a
 * MiB; nothing for a value JSON.stringify gives nothing for (undefined, a function).
 */
export function writeJson(value: unknown, write: (piece: string) => void): void {
  let pending: string[] = [];
  let pendingChars = 0;
  const emit = (text: string): void => {
    pending.push(text);
    pendingChars += text.length;
    if (pendingChars >= PIECE_CHARS) flush();
  };
  const flush = (): void => {
    if (pending.length > 0) write(pending.join(''));
    pending = [];
    pendingChars = 0;
  };
  emitValue(prepared(value, ''), '', emit);
  flush();
}

/** What JSON.stringify does to a value before writing it: its toJSON, if it has one. */
function prepared(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  return value;
}

/** Whether JSON.stringify leaves the value out of an object (and writes null for it in an array). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** value, already through prepared: each toJSON is called once, as JSON.stringify calls it. */
function emitValue(value: unknown, indent: string, emit: (text: string) => void): void {
  if (value === null || typeof value !== 'object') {
    // Strings, numbers, booleans and null as JSON.stringify writes them; a BigInt throws there as here.
    const text = JSON.stringify(value);
    if (text !== undefined) emit(text);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return emit('[]');
    emit('[\n');
    value.forEach((raw, index) => {
      const item = prepared(raw, String(index));
      emit(index === 0 ? inner : `,\n${inner}`);
      if (omitted(item)) emit('null');
      else emitValue(item, inner, emit);
    });
    return emit(`\n${indent}]`);
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .map(([k, raw]) => [k, prepared(raw, k)] as const)
    .filter(([, item]) => !omitted(item));
  if (entries.length === 0) return emit('{}');
  emit('{\n');
  entries.forEach(([k, item], index) => {
    emit(`${index === 0 ? '' : ',\n'}${inner}${JSON.stringify(k)}: `);
    emitValue(item, inner, emit);
  });
  emit(`\n${indent}}`);
}
