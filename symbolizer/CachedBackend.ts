// A symbolizer backend with its answers remembered per (object, address): a run's addresses are asked in
// one batch, and an address asked again (another record, another run) costs nothing.

import {UNKNOWN_CHAIN, type SymbolChain, type SymbolQuery, type SymbolizerBackend} from './types';

export class CachedBackend {
  private readonly answers = new Map<string, Promise<SymbolChain>>();

  constructor(private readonly backend: SymbolizerBackend) {}

  /** Sends every query not yet asked in one batch, and remembers the pending answer for each. */
  ask(queries: ReadonlyArray<SymbolQuery | null>): void {
    const fresh = new Map<string, SymbolQuery>();
    for (const query of queries) {
      if (query === null) continue;
      const key = cacheKey(query);
      if (!this.answers.has(key)) fresh.set(key, query);
    }
    if (fresh.size === 0) return;
    const batch = this.backend.symbolize([...fresh.values()]);
    [...fresh.keys()].forEach((key, index) => {
      this.answers.set(key, batch.then(answers => answers[index] ?? UNKNOWN_CHAIN, () => UNKNOWN_CHAIN));
    });
  }

  /** The answer to a query asked before; nulls for none. */
  answer(query: SymbolQuery | null): Promise<SymbolChain> {
    return query === null ? Promise.resolve(UNKNOWN_CHAIN) : (this.answers.get(cacheKey(query)) ?? Promise.resolve(UNKNOWN_CHAIN));
  }

  close(): void {
    this.backend.close();
  }
}

function cacheKey(query: SymbolQuery): string {
  return `${query.object}\0${query.address.toString(16)}`;
}
