// How an error message shows a value it was given: as JSON where JSON can say it, which it cannot for
// every value (NaN and Infinity would read as null, a BigInt would throw, a function would vanish).

/** The value as a message shows it: JSON, or else JavaScript's own words for it (NaN, 10n, a function). */
export function shownValue(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol' || value === undefined) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A cycle, a BigInt inside an object, a revoked proxy: what it is has to do.
    return 'an object';
  }
}
