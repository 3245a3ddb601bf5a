// One long-lived `llvm-symbolizer --output-style=JSON` child, asked over stdin and answering one JSON line
// per query line, in order. Starting llvm-symbolizer and loading debug info is the slow part, so a run's
// frames all go through the same child.

import type {ChildProcessWithoutNullStreams} from 'child_process';
import {childProcess, fs, os, path} from '../harness/coreModules';
import {parseLlvmSymbolizerJson} from './parseLlvmSymbolizerJson';
import {UNKNOWN_CHAIN, type FunctionNaming, type SymbolChain, type SymbolQuery, type SymbolizerBackend} from './types';

const {spawn} = childProcess;

const NAMING_ARGS: Record<FunctionNaming, string[]> = {
  readable: [],
  linkage: ['--no-demangle'],
  short: ['--functions=short', '--no-demangle'],
};

export class LlvmSymbolizerProcess implements SymbolizerBackend {
  private child: ChildProcessWithoutNullStreams | null = null;
  // Answers arrive in query order, so the oldest waiter takes the next line.
  private readonly waiting: Array<(answer: SymbolChain) => void> = [];
  private pendingOutput = '';
  private closed = false;
  /** Links to objects whose path a query line cannot quote (a `"` or a line break), by that path; and their folder. */
  private readonly aliases = new Map<string, string>();
  private aliasDir: string | null = null;

  constructor(
    private readonly toolPath: string,
    private readonly naming: FunctionNaming = 'readable',
  ) {}

  symbolize(queries: readonly SymbolQuery[]): Promise<SymbolChain[]> {
    return Promise.all(queries.map(query => this.ask(query)));
  }

  close(): void {
    this.closed = true;
    this.stop();
    if (this.aliasDir !== null) fs.rmSync(this.aliasDir, {recursive: true, force: true});
    this.aliasDir = null;
    this.aliases.clear();
  }

  private ask(query: SymbolQuery): Promise<SymbolChain> {
    const object = this.quotable(query.object);
    if (this.closed || object === null) return Promise.resolve(UNKNOWN_CHAIN);
    const child = this.running();
    return new Promise(resolve => {
      this.waiting.push(resolve);
      holdEventLoop(child, true);
      child.stdin.write(`"${object}" 0x${query.address.toString(16)}\n`);
    });
  }

  /**
   * The object's path as a query line can quote it: llvm-symbolizer reads the path up to the next `"`, and
   * a query to the line's end, so a path that holds a quote or a line break is asked about through a link
   * of pmm's own to it.
   */
  private quotable(object: string): string | null {
    if (!/["\n\r]/.test(object)) return object;
    const known = this.aliases.get(object);
    if (known !== undefined) return known;
    try {
      this.aliasDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-symbolizer-'));
      const alias = path.join(this.aliasDir, String(this.aliases.size));
      fs.symlinkSync(object, alias);
      this.aliases.set(object, alias);
      return alias;
    } catch {
      return null;
    }
  }

  /** Starts the child on first use, and again if an earlier one died (a crash on one odd file). */
  private running(): ChildProcessWithoutNullStreams {
    if (this.child !== null) return this.child;
    const child = spawn(this.toolPath, ['--output-style=JSON', ...NAMING_ARGS[this.naming]], {stdio: ['pipe', 'pipe', 'pipe']});
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.onOutput(chunk));
    child.stderr.resume(); // warnings about odd objects are not answers; keep the pipe from filling
    child.stdin.on('error', () => this.onChildGone(child)); // EPIPE when it died first
    child.on('error', () => this.onChildGone(child));
    child.on('close', () => this.onChildGone(child)); // after stdout drained, unlike 'exit'
    this.child = child;
    holdEventLoop(child, false);
    return child;
  }

  private onOutput(chunk: string): void {
    this.pendingOutput += chunk;
    let newline = this.pendingOutput.indexOf('\n');
    while (newline !== -1) {
      const line = this.pendingOutput.slice(0, newline);
      this.pendingOutput = this.pendingOutput.slice(newline + 1);
      this.waiting.shift()?.(parseLlvmSymbolizerJson(line));
      newline = this.pendingOutput.indexOf('\n');
    }
    if (this.waiting.length === 0 && this.child !== null) holdEventLoop(this.child, false);
  }

  /** Whatever was still waiting will never be answered by this child: answer it with nulls. */
  private onChildGone(child: ChildProcessWithoutNullStreams): void {
    if (this.child !== child) return;
    this.child = null;
    this.pendingOutput = '';
    for (const resolve of this.waiting.splice(0)) resolve(UNKNOWN_CHAIN);
  }

  private stop(): void {
    const child = this.child;
    if (child === null) return;
    this.onChildGone(child);
    child.stdin.end();
    child.kill();
  }
}

/**
 * An idle child must not keep Node alive: a CLI or Jest worker that forgets close() would otherwise hang.
 * The child and its pipes hold the event loop only while answers are awaited.
 */
function holdEventLoop(child: ChildProcessWithoutNullStreams, hold: boolean): void {
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as unknown as Array<{ref?(): void; unref?(): void}>) {
    if (hold) handle.ref?.();
    else handle.unref?.();
  }
}
