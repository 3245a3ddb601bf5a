// Reads one line of `llvm-symbolizer --output-style=JSON` output into a SymbolChain: the inline chain as
// llvm-symbolizer lists it, innermost first (the allocator's caller as written, with its line), the function
// the code was inlined into last (the one that owns the return address).

import {UNKNOWN_CHAIN, type SymbolAnswer, type SymbolChain} from './types';

interface LlvmSymbol {
  FunctionName?: unknown;
  FileName?: unknown;
  Line?: unknown;
}

export function parseLlvmSymbolizerJson(line: string): SymbolChain {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return UNKNOWN_CHAIN;
  }
  if (typeof parsed !== 'object' || parsed === null) return UNKNOWN_CHAIN;
  const symbols = (parsed as {Symbol?: unknown}).Symbol;
  if (!Array.isArray(symbols) || symbols.length === 0) return UNKNOWN_CHAIN; // an "Error" answer
  return symbols.map((symbol: LlvmSymbol): SymbolAnswer => ({
    function: knownText(symbol.FunctionName),
    file: knownText(symbol.FileName),
    line: typeof symbol.Line === 'number' && symbol.Line > 0 ? symbol.Line : null,
  }));
}

/** llvm-symbolizer says "??" or "" for what it does not know. */
function knownText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' && value !== '??' ? value : null;
}
