// Reads one line of `llvm-symbolizer --output-style=JSON` output into a SymbolAnswer.
// Inlined frames: llvm-symbolizer lists the inline chain innermost first; pmm keeps one Frame per recorded
// address, so it takes the LAST entry, the function the code was inlined into (the one that really owns the
// return address), with the file and line of the call inside it.

import {UNKNOWN_SYMBOL, type SymbolAnswer} from './types';

interface LlvmSymbol {
  FunctionName?: unknown;
  FileName?: unknown;
  Line?: unknown;
}

export function parseLlvmSymbolizerJson(line: string): SymbolAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return UNKNOWN_SYMBOL;
  }
  if (typeof parsed !== 'object' || parsed === null) return UNKNOWN_SYMBOL;
  const symbols = (parsed as {Symbol?: unknown}).Symbol;
  if (!Array.isArray(symbols) || symbols.length === 0) return UNKNOWN_SYMBOL; // an "Error" answer
  const outermost = symbols[symbols.length - 1] as LlvmSymbol;
  return {
    function: knownText(outermost.FunctionName),
    file: knownText(outermost.FileName),
    line: typeof outermost.Line === 'number' && outermost.Line > 0 ? outermost.Line : null,
  };
}

/** llvm-symbolizer says "??" or "" for what it does not know. */
function knownText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' && value !== '??' ? value : null;
}
