// Reads the output of `addr2line -a -f -C -i -e OBJECT ADDR…` into one SymbolAnswer per address.
// With -i a block holds one "function / file:line" pair per inlined level, innermost first; as with
// llvm-symbolizer, pmm takes the last pair, the function the code was inlined into.

import {UNKNOWN_SYMBOL, type SymbolAnswer} from './types';

// -a starts each address's block with the address itself.
const ADDRESS_LINE = /^0x[0-9a-f]+$/i;
// "file:line", possibly followed by " (discriminator N)"; line is "?" or 0 when unknown.
const LOCATION_LINE = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/;

export function parseAddr2lineOutput(output: string): SymbolAnswer[] {
  const blocks: string[][] = [];
  for (const line of output.split('\n')) {
    if (ADDRESS_LINE.test(line)) blocks.push([]);
    else if (line !== '' && blocks.length > 0) blocks[blocks.length - 1].push(line);
  }
  return blocks.map(outermostPair);
}

function outermostPair(lines: readonly string[]): SymbolAnswer {
  if (lines.length < 2 || lines.length % 2 !== 0) return UNKNOWN_SYMBOL;
  const functionName = lines[lines.length - 2];
  const location = LOCATION_LINE.exec(lines[lines.length - 1]);
  const file = location === null || location[1] === '??' || location[1] === '' ? null : location[1];
  const lineNumber = location === null ? 0 : Number(location[2]);
  return {
    function: functionName === '??' ? null : functionName,
    file,
    line: Number.isInteger(lineNumber) && lineNumber > 0 ? lineNumber : null,
  };
}
