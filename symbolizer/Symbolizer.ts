// Turns pmd's raw return addresses into Frames: finds each address's object in the process's maps text,
// makes the address module-relative, and asks one long-lived symbolizer child, batching a run's addresses
// and caching answers per (object, address). An address where functions were inlined gives a Frame for each,
// innermost first, as valgrind lists them: the allocation's own line, then each caller it was inlined into.

import type {Frame, RawRecord} from '../harness/types';
import {Addr2lineRunner} from './Addr2lineRunner';
import {ElfTypeCache} from './elfType';
import {findSymbolizerTool, type SymbolizerTool, type SymbolizerToolKind} from './findSymbolizerTool';
import {LlvmSymbolizerProcess} from './LlvmSymbolizerProcess';
import {toModuleAddress, type ModuleAddress} from './moduleAddress';
import {formatAddress, isPseudoPath, parseAddress, parseObjectMap, type MappedObject} from './objectMap';
import {objectVersion} from './objectVersion';
import {UNKNOWN_CHAIN, type SymbolChain, type SymbolQuery, type SymbolizerBackend} from './types';

export interface SymbolizerOptions {
  /** Which tool to use; 'auto' (the default) takes llvm-symbolizer when on PATH, else addr2line. */
  tool?: SymbolizerToolKind | 'auto';
  /** The PATH to search; defaults to process.env.PATH. */
  pathEnv?: string;
}

export interface SymbolizeOptions {
  /**
   * True (the default) when the addresses are return addresses, as the hook records them: the lookup then
   * uses address − 1, inside the call instruction, so the line is the call's and not the next statement's.
   */
  returnAddresses?: boolean;
}

export class Symbolizer {
  readonly tool: SymbolizerTool;
  private backend: SymbolizerBackend;
  private elfTypes = new ElfTypeCache();
  private answers = new Map<string, Promise<SymbolChain>>();
  private readonly versions = new Map<string, string | null>();
  private closed = false;

  constructor(options: SymbolizerOptions = {}) {
    const tool = findSymbolizerTool(options.pathEnv, options.tool ?? 'auto');
    if (tool === null) {
      const wanted = options.tool === undefined || options.tool === 'auto' ? 'llvm-symbolizer or addr2line' : options.tool;
      throw new Error(`pmm symbolizer: ${wanted} not found on PATH (install llvm or binutils)`);
    }
    this.tool = tool;
    this.backend = this.startBackend();
  }

  /** Symbolizes every record's frames in one batch; the result holds one stack per record, in order. */
  async symbolizeRecords(mapsText: string, records: readonly RawRecord[]): Promise<Frame[][]> {
    return this.symbolizeStacks(mapsText, records.map(record => record.frames));
  }

  /** Each list of return addresses as the stack it is, inlined functions included: one batch for all. */
  async symbolizeStacks(mapsText: string, stacks: ReadonlyArray<readonly string[]>): Promise<Frame[][]> {
    const frames = await this.symbolize(mapsText, stacks.flat());
    let next = 0;
    return stacks.map(stack => frames.slice(next, (next += stack.length)).flat());
  }

  /**
   * The Frames of each address, in order: one, or with inlined functions one per function, innermost first
   * (all but the last marked inlined). An address given twice gets the same Frames. Never rejects for a bad
   * address, a missing object or a failed tool.
   */
  async symbolize(mapsText: string, addresses: readonly string[], options: SymbolizeOptions = {}): Promise<Frame[][]> {
    // A program that leaks a million blocks from one place gives millions of addresses but a handful of
    // distinct ones: each is worked out once (and Promise.all takes at most about two million).
    const distinct = [...new Set(addresses)];
    const frames = await this.symbolizeDistinct(mapsText, distinct, options);
    const byAddress = new Map(distinct.map((text, index) => [text, frames[index]]));
    return addresses.map(text => byAddress.get(text) as Frame[]);
  }

  private async symbolizeDistinct(mapsText: string, addresses: readonly string[], options: SymbolizeOptions): Promise<Frame[][]> {
    const objects = parseObjectMap(mapsText);
    this.forgetRebuiltObjects(objects);
    const located = addresses.map(text => this.locate(objects, text));
    const adjust = (options.returnAddresses ?? true) ? 1n : 0n;
    const queries = located.map(({module}) =>
      module.symbolizable && module.object !== null && module.offset !== null && module.offset >= adjust
        ? {object: module.object, address: module.offset - adjust}
        : null,
    );
    this.askUncached(queries);
    return Promise.all(
      located.map(async ({text, module}, index) => {
        const query = queries[index];
        const chain = query === null ? UNKNOWN_CHAIN : await this.cached(query);
        const offset = module.offset === null ? null : formatAddress(module.offset);
        return chain.map((answer, level): Frame => ({
          address: text,
          function: answer.function,
          file: answer.file,
          line: answer.line,
          object: module.object,
          offset,
          ...(level < chain.length - 1 ? {inlined: true as const} : {}),
        }));
      }),
    );
  }

  /** Ends the symbolizer child; safe to call twice. */
  close(): void {
    this.closed = true;
    this.backend.close();
  }

  private locate(objects: readonly MappedObject[], text: string): {text: string; module: ModuleAddress} {
    const address = parseAddress(text);
    const module =
      address === null
        ? {object: null, offset: null, symbolizable: false}
        : toModuleAddress(objects, address, path => this.elfTypes.get(path));
    return {text, module};
  }

  /** Sends every query not yet asked in one batch, and remembers the pending answer for each. */
  private askUncached(queries: ReadonlyArray<SymbolQuery | null>): void {
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

  private cached(query: SymbolQuery): Promise<SymbolChain> {
    return this.answers.get(cacheKey(query)) ?? Promise.resolve(UNKNOWN_CHAIN);
  }

  /**
   * llvm-symbolizer keeps every object it opened for its lifetime, and so do our caches. When a file was
   * rebuilt at the same path since we last looked, start over with a fresh child and empty caches.
   */
  private forgetRebuiltObjects(objects: readonly MappedObject[]): void {
    let rebuilt = false;
    for (const path of new Set(objects.map(object => object.path))) {
      if (path === null || isPseudoPath(path)) continue;
      const version = objectVersion(path);
      if (this.versions.has(path) && this.versions.get(path) !== version) rebuilt = true;
      this.versions.set(path, version);
    }
    if (!rebuilt || this.closed) return;
    this.backend.close();
    this.backend = this.startBackend();
    this.answers = new Map();
    this.elfTypes = new ElfTypeCache();
  }

  private startBackend(): SymbolizerBackend {
    return this.tool.kind === 'llvm-symbolizer'
      ? new LlvmSymbolizerProcess(this.tool.path)
      : new Addr2lineRunner(this.tool.path);
  }
}

function cacheKey(query: SymbolQuery): string {
  return `${query.object}\0${query.address.toString(16)}`;
}
