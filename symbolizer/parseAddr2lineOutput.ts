// Reads the output of `addr2line -a -f -C -i -e OBJECT ADDR…` into one SymbolChain per address.
// With -i a block holds one "function / file:line" pair per inlined level, innermost first, as
// llvm-symbolizer lists them: the last pair is the function the code was inlined into.

import {UNKNOWN_CHAIN, type SymbolAnswer, type SymbolChain} from './types';

// -a starts each address's block with the address itself.
const ADDRESS_LINE = /^0x[0-9a-f]+$/i;
// "file:line", possibly followed by " (discriminator N)"; line is "?" or 0 when unknown.
const LOCATION_LINE = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/;

export function parseAddr2lineOutput(output: string): SymbolChain[] {
  const blocks: string[][] = [];
  for (const line of output.split('\n')) {
    if (ADDRESS_LINE.test(line)) blocks.push([]);
    else if (line !== '' && blocks.length > 0) blocks[blocks.length - 1].push(line);
  }
  return blocks.map(chainOf);
}

function chainOf(lines: readonly string[]): SymbolChain {
  if (lines.length < 2 || lines.length % 2 !== 0) return UNKNOWN_CHAIN;
  const chain: SymbolAnswer[] = [];
  for (let at = 0; at < lines.length; at += 2) chain.push(pairOf(lines[at], lines[at + 1]));
  return chain;
}

function pairOf(functionName: string, locationLine: string): SymbolAnswer {
  const location = LOCATION_LINE.exec(locationLine);
  const file = location === null || location[1] === '??' || location[1] === '' ? null : location[1];
  const lineNumber = location === null ? 0 : Number(location[2]);
  return {
    function: functionName === '??' ? null : functionName,
    file,
    line: Number.isInteger(lineNumber) && lineNumber > 0 ? lineNumber : null,
  };
}
