// The fallback when llvm-symbolizer is missing: binutils' addr2line, run once per object with all of that
// object's addresses on its command line (-a marks where each address's answer starts).

import {childProcess} from '../harness/coreModules';
import {parseAddr2lineOutput} from './parseAddr2lineOutput';
import {UNKNOWN_CHAIN, type FunctionNaming, type SymbolChain, type SymbolQuery, type SymbolizerBackend} from './types';

const {execFile} = childProcess;

// Keeps each command line well under the kernel's argument limits.
const ADDRESSES_PER_CALL = 512;

export class Addr2lineRunner implements SymbolizerBackend {
  private closed = false;

  /** naming: addr2line demangles or not; it has no short names, so 'short' gives linkage names too. */
  constructor(
    private readonly toolPath: string,
    private readonly naming: FunctionNaming = 'readable',
  ) {}

  async symbolize(queries: readonly SymbolQuery[]): Promise<SymbolChain[]> {
    const answers: SymbolChain[] = queries.map(() => UNKNOWN_CHAIN);
    const byObject = new Map<string, number[]>();
    queries.forEach((query, index) => {
      const indexes = byObject.get(query.object) ?? [];
      indexes.push(index);
      byObject.set(query.object, indexes);
    });
    const calls: Array<Promise<void>> = [];
    for (const [object, indexes] of byObject) {
      for (let start = 0; start < indexes.length; start += ADDRESSES_PER_CALL) {
        const chunk = indexes.slice(start, start + ADDRESSES_PER_CALL);
        calls.push(
          this.run(object, chunk.map(index => queries[index].address)).then(found => {
            chunk.forEach((index, position) => {
              answers[index] = found[position] ?? UNKNOWN_CHAIN;
            });
          }),
        );
      }
    }
    await Promise.all(calls);
    return answers;
  }

  close(): void {
    this.closed = true; // nothing lives between calls
  }

  private run(object: string, addresses: readonly bigint[]): Promise<SymbolChain[]> {
    if (this.closed) return Promise.resolve([]);
    const args = ['-a', '-f', ...(this.naming === 'readable' ? ['-C'] : []), '-i', '-e', object, ...addresses.map(a => `0x${a.toString(16)}`)];
    return new Promise(resolve => {
      execFile(this.toolPath, args, {maxBuffer: 64 * 1024 * 1024}, (error, stdout) => {
        // A missing or foreign object makes addr2line fail; its addresses stay unknown.
        const answers = error === null ? parseAddr2lineOutput(stdout) : [];
        resolve(answers.length === addresses.length ? answers : []);
      });
    });
  }
}
