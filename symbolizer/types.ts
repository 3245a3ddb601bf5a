// The symbolizer's internal contract between the Symbolizer class and the tools that answer it.

/** One lookup: an address inside an object, already adjusted to the instruction to name. */
export interface SymbolQuery {
  object: string;
  address: bigint;
}

/** What a tool knows about one function at an address; null parts are unknown. */
export interface SymbolAnswer {
  function: string | null;
  file: string | null;
  line: number | null;
}

/**
 * What a tool knows about one query: the functions inlined at the address, innermost first (the call's
 * own line), then the one their code was inlined into, which owns the address. Never empty.
 */
export type SymbolChain = readonly SymbolAnswer[];

/**
 * How a backend names functions: demangled, for people (the default); or as valgrind's suppressions
 * do, as the linker names them ('linkage': mangled, for the function that owns an address) or as the
 * debug info names an inlined one ('short': its DW_AT_name, e.g. `allocate` or `make<Widget>`).
 */
export type FunctionNaming = 'readable' | 'linkage' | 'short';

export interface SymbolizerBackend {
  /** Answers in query order; never rejects: a failed lookup answers with nulls. */
  symbolize(queries: readonly SymbolQuery[]): Promise<SymbolChain[]>;
  /** Ends any child process; safe to call twice. */
  close(): void;
}

export const UNKNOWN_SYMBOL: SymbolAnswer = Object.freeze({function: null, file: null, line: null});

export const UNKNOWN_CHAIN: SymbolChain = Object.freeze([UNKNOWN_SYMBOL]);
