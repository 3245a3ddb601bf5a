// Turns pmd's raw return addresses into Frames: finds each address's object in the process's maps text,
// makes the address module-relative, and asks one long-lived symbolizer child, batching a run's addresses
// and caching answers per (object, address). An address where functions were inlined gives a Frame for each,
// innermost first, as valgrind lists them: the allocation's own line, then each caller it was inlined into.

import type {Frame, RawRecord} from '../harness/types';
import {Addr2lineRunner} from './Addr2lineRunner';
import {closedBefore, closedTimes, mapsAt, recordTime} from './closedObjects';
import {ElfTypeCache} from './elfType';
import {findSymbolizerTool, type SymbolizerTool, type SymbolizerToolKind} from './findSymbolizerTool';
import {LlvmSymbolizerProcess} from './LlvmSymbolizerProcess';
import {toModuleAddress, type ModuleAddress} from './moduleAddress';
import {formatAddress, isPseudoPath, parseAddress, parseObjectMap, type MappedObject} from './objectMap';
import {objectVersion} from './objectVersion';
import {CachedBackend} from './CachedBackend';
import {cxxFilt, stillMangled} from './cxxFilt';
import {readSymbolTable, type SymbolTable} from './symbolTable';
import {UNKNOWN_CHAIN, type FunctionNaming, type SymbolChain, type SymbolQuery} from './types';

export interface SymbolizerOptions {
  /** Which tool to use; 'auto' (the default) takes llvm-symbolizer when on PATH, else addr2line. */
  tool?: SymbolizerToolKind | 'auto';
  /** The PATH to search; defaults to process.env.PATH. */
  pathEnv?: string;
  /**
   * Objects whose frames are no part of the program's stacks, left out of each (the hook library, between
   * the program and the C library's fork, dlopen or popen), as they are out of valgrind's.
   */
  hiddenObjects?: readonly string[];
}

export interface SymbolizeOptions {
  /**
   * True (the default) when the addresses are return addresses, as the hook records them: the lookup then
   * uses address − 1, inside the call instruction, so the line is the call's and not the next statement's.
   */
  returnAddresses?: boolean;
  /**
   * Also name each frame as valgrind's suppressions do (Frame.valgrindName): two more lookups per address,
   * so only when a valgrind-format suppression is read or written.
   */
  valgrindNames?: boolean;
}

export class Symbolizer {
  readonly tool: SymbolizerTool;
  /** By naming: 'readable' for every lookup, the others started when valgrindNames first asks for them. */
  private backends = new Map<FunctionNaming, CachedBackend>();
  private elfTypes = new ElfTypeCache();
  /** Each object's symbol table as valgrind reads it, for valgrindNames: read once, when first asked. */
  private symbolTables = new Map<string, Promise<SymbolTable | null>>();
  private readonly versions = new Map<string, string | null>();
  private readonly hidden: ReadonlySet<string>;
  private closed = false;

  constructor(options: SymbolizerOptions = {}) {
    this.hidden = new Set(options.hiddenObjects ?? []);
    const tool = findSymbolizerTool(options.pathEnv, options.tool ?? 'auto');
    if (tool === null) {
      const wanted = options.tool === undefined || options.tool === 'auto' ? 'llvm-symbolizer or addr2line' : options.tool;
      throw new Error(`pmm symbolizer: ${wanted} not found on PATH (install llvm or binutils)`);
    }
    this.tool = tool;
  }

  /** Symbolizes every record's frames in one batch; the result holds one stack per record, in order. */
  async symbolizeRecords(mapsText: string, records: readonly RawRecord[], options: SymbolizeOptions = {}): Promise<Frame[][]> {
    const times = closedTimes(mapsText);
    if (times.length === 0) return this.symbolizeStacks(mapsText, records.map(record => record.frames), options);
    // Objects were closed: each record is looked up in the map as it was when it was made (closedObjects.ts),
    // the records made between the same two closes together.
    const byView = new Map<number, number[]>();
    records.forEach((record, index) => {
      const time = recordTime(record.timeNs);
      const view = time === null ? times.length : closedBefore(times, time);
      const indexes = byView.get(view);
      if (indexes === undefined) byView.set(view, [index]);
      else indexes.push(index);
    });
    const stacks: Frame[][] = new Array(records.length);
    for (const [view, indexes] of byView) {
      // Before the view-th close: just before it, when every object closed from then on was still mapped.
      const text = view === times.length ? mapsText : mapsAt(mapsText, times[view] - 1n);
      const frames = await this.symbolizeStacks(text, indexes.map(index => records[index].frames), options);
      indexes.forEach((index, at) => (stacks[index] = frames[at]));
    }
    return stacks;
  }

  /**
   * Each list of return addresses as the stack it is, inlined functions included: one batch for all. Lists
   * that hold the same addresses get the same (shared) array of Frames.
   */
  async symbolizeStacks(mapsText: string, stacks: ReadonlyArray<readonly string[]>, options: SymbolizeOptions = {}): Promise<Frame[][]> {
    // A run that leaks a million blocks from a few places has a million stacks but a few distinct ones:
    // flattened as they come, they were millions of addresses to look at, and seconds of garbage collection.
    // Records of one stack often share its array (host mode's and pmd's answers' do): looked up before its text.
    const distinct = new Map<string, number>();
    const byArray = new Map<readonly string[], number>();
    const unique: Array<readonly string[]> = [];
    const which = stacks.map(stack => {
      let at = byArray.get(stack);
      if (at !== undefined) return at;
      const key = stack.join(' ');
      at = distinct.get(key);
      if (at === undefined) {
        at = unique.push(stack) - 1;
        distinct.set(key, at);
      }
      byArray.set(stack, at);
      return at;
    });
    const frames = await this.symbolize(mapsText, unique.flat(), options);
    let next = 0;
    const hidden = (frame: Frame): boolean => frame.object !== null && this.hidden.has(frame.object);
    const symbolized = unique.map(stack => {
      const flat = frames.slice(next, (next += stack.length)).flat();
      return flat.some(hidden) ? flat.filter(frame => !hidden(frame)) : flat;
    });
    return which.map(at => symbolized[at]);
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
    const namings: FunctionNaming[] = options.valgrindNames ? ['readable', 'linkage', 'short'] : ['readable'];
    for (const naming of namings) if (naming !== 'linkage') this.backend(naming).ask(queries);
    // The function that owns an address is named by its object's symbol table, as valgrind's stacks name
    // it; the linkage lookup is only for an object without one (no nm, no ELF file), and a backend, which
    // starts a symbolizer of its own, only when there is one.
    const tables = options.valgrindNames ? await this.symbolTablesOf(queries) : new Map<string, SymbolTable | null>();
    const linkageQueries = queries.map(query => (query !== null && tables.get(query.object) ? null : query));
    if (options.valgrindNames && linkageQueries.some(query => query !== null)) this.backend('linkage').ask(linkageQueries);
    const answerFor = (naming: FunctionNaming, index: number): Promise<SymbolChain> => {
      const query = naming === 'linkage' ? linkageQueries[index] : queries[index];
      return query === null ? Promise.resolve(UNKNOWN_CHAIN) : this.backend(naming).answer(query);
    };
    const frames = await Promise.all(
      located.map(async ({text, module}, index) => {
        const query = queries[index];
        const [chain, linkage, short] = await Promise.all(namings.map(naming => answerFor(naming, index)));
        // '' where the object has a table but no symbol covers the address (valgrind's ???).
        const table = query !== null ? tables.get(query.object) : undefined;
        const owner = table && query !== null ? (table.nameAt(query.address) ?? '') : undefined;
        const offset = module.offset === null ? null : formatAddress(module.offset);
        return chain.map((answer, level): Frame => {
          const last = level === chain.length - 1;
          const valgrindName = last && owner !== undefined ? owner : linkage === undefined ? undefined : valgrindNameOf(last ? linkage : short, level, chain.length);
          return {
            address: text,
            function: answer.function,
            file: answer.file,
            line: answer.line,
            object: module.object,
            offset,
            ...(last ? {} : {inlined: true as const}),
            ...(valgrindName !== undefined ? {valgrindName} : {}),
          };
        });
      }),
    );
    return demangleLeftovers(frames);
  }

  /** Ends the symbolizer child; safe to call twice. */
  close(): void {
    this.closed = true;
    for (const backend of this.backends.values()) backend.close();
  }

  private locate(objects: readonly MappedObject[], text: string): {text: string; module: ModuleAddress} {
    const address = parseAddress(text);
    const module =
      address === null
        ? {object: null, offset: null, symbolizable: false}
        : toModuleAddress(objects, address, path => this.elfTypes.get(path));
    return {text, module};
  }

  /** The backend that names functions so, started on first use (after close(), one that answers nulls). */
  private backend(naming: FunctionNaming): CachedBackend {
    let backend = this.backends.get(naming);
    if (backend === undefined) {
      const tool =
        this.tool.kind === 'llvm-symbolizer' ? new LlvmSymbolizerProcess(this.tool.path, naming) : new Addr2lineRunner(this.tool.path, naming);
      if (this.closed) tool.close();
      backend = new CachedBackend(tool);
      this.backends.set(naming, backend);
    }
    return backend;
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
    for (const backend of this.backends.values()) backend.close();
    this.backends = new Map();
    this.elfTypes = new ElfTypeCache();
    this.symbolTables = new Map();
  }

  /** The symbol tables of the queries' objects, each read once for the symbolizer's life. */
  private async symbolTablesOf(queries: ReadonlyArray<SymbolQuery | null>): Promise<Map<string, SymbolTable | null>> {
    const objects = [...new Set(queries.flatMap(query => (query === null ? [] : [query.object])))];
    return new Map(await Promise.all(objects.map(async object => [object, await this.symbolTable(object)] as const)));
  }

  private symbolTable(object: string): Promise<SymbolTable | null> {
    let table = this.symbolTables.get(object);
    if (table === undefined) {
      table = readSymbolTable(object);
      this.symbolTables.set(object, table);
    }
    return table;
  }
}

/** The frames with the names llvm-symbolizer left mangled demangled (cxxFilt), in one batch. */
function demangleLeftovers(frames: Frame[][]): Frame[][] {
  const mangled = [...new Set(frames.flat().map(frame => frame.function).filter(stillMangled))];
  if (mangled.length === 0) return frames;
  const names = cxxFilt(mangled);
  return frames.map(chain => chain.map(frame => (stillMangled(frame.function) ? {...frame, function: names.get(frame.function) ?? frame.function} : frame)));
}

/**
 * The name valgrind gives one level of an address's inline chain: the function that owns the address by
 * its linkage (mangled) name, one inlined into it by its short name; nothing when the lookups disagree
 * on the chain, or know no name.
 */
function valgrindNameOf(names: SymbolChain | undefined, level: number, levels: number): string | undefined {
  if (names === undefined) return undefined;
  const name = level === levels - 1 ? names[names.length - 1] : names.length === levels ? names[level] : undefined;
  return name?.function ?? undefined;
}
