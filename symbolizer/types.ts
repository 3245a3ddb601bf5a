// The symbolizer's internal contract between the Symbolizer class and the tools that answer it.

/** One lookup: an address inside an object, already adjusted to the instruction to name. */
export interface SymbolQuery {
  object: string;
  address: bigint;
}

/** What a tool knows about one query; null parts are unknown. */
export interface SymbolAnswer {
  function: string | null;
  file: string | null;
  line: number | null;
}

export interface SymbolizerBackend {
  /** Answers in query order; never rejects: a failed lookup answers with nulls. */
  symbolize(queries: readonly SymbolQuery[]): Promise<SymbolAnswer[]>;
  /** Ends any child process; safe to call twice. */
  close(): void;
}

export const UNKNOWN_SYMBOL: SymbolAnswer = Object.freeze({function: null, file: null, line: null});
