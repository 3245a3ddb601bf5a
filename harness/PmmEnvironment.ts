// The Jest environment behind `jest --env pmm`: jest-environment-node plus a global `pmm` whose runs are
// attributed to the test that started them. A test during which a run leaked, released a block with the
// wrong call (a mismatched free/delete), crashed, was killed, timed out or grew steadily fails with what
// happened.
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import NodeEnvironment from 'jest-environment-node';
import { AttributionError, concurrentTest } from './attribution';
import { callSiteOf, errorAtCallSite, withCallSite } from './callSite';
import { forkedChildName } from './childName';
import { isFailingTest, settleFailingTest } from './failingTest';
import type { PmmGlobal } from './globals';
import { unhookedChildMessage } from './hookReach';
import { leakMatchers } from './matchers';
import { summarize } from './leakReport';
import { optionsUnder, resolveOptions, type PmmOptions } from './options';
import { runsAnyTest } from './plannedTests';
import { outputNote, readOnlyNote, releaseNotes } from './releaseNotes';
import { runProgram, type RunOptions } from './runProgram';
import { prebootSharedVm } from './sharedVm';
import { recordTestFigures, type FiguresFile } from './testFigures';
import type { LeakSummary, RunResult } from './types';
import { runFailures, type RunFailure } from './verdict';
import type { RunControl } from '../qemu/GuestChannel';

/** Options live under this one key of testEnvironmentOptions (and of a file's @jest-environment-options). */
export const OPTIONS_KEY = 'pmm';

/** pmm's own messages (a VM boot, a forked child the hook could not enter), on the worker's stderr. */
const notice = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/** Who a run belongs to: a test, a beforeAll/afterAll hook, or the file (a run outside both). */
type Owner = Circus.TestEntry | Circus.Hook | 'file';

interface Run {
  result: RunResult;
  allowFault: boolean;
  /** Where the test called pmm.run: the end of each of the run's failures (see callSite.ts). */
  callSite: string[];
}

/** A run not yet answered: its owner may end first (its timeout), and the program must not outlive it. */
interface RunInFlight {
  owner: Owner;
  program: string;
  control: RunControl;
  /** Its owner ended while it ran: it was killed, and its result belongs to nobody. */
  orphaned: boolean;
  /** Where the test called pmm.run. */
  callSite: string[];
  /** What pmm.run returned for it. */
  settled?: Promise<RunResult>;
}

interface ExpectWithState {
  extend(matchers: object): void;
  getState(): {
    /** Jest 29: the name of the concurrent test whose code is running; Jest 30: of any test's. */
    currentConcurrentTestName?: () => string | undefined;
    /** Jest 30 only: the test whose code is running (its beforeEach and afterEach too), concurrent or not. */
    currentTestIdentity?: () => Circus.TestEntry | undefined;
  };
}

export default class PmmEnvironment extends NodeEnvironment {
  private readonly pmmOptions: PmmOptions;
  private readonly testPath: string;
  /** The file as the JUnit reporter knows it: with its project, for projects may run one file each. */
  private readonly figuresFile: FiguresFile;
  private currentTest: Circus.TestEntry | null = null;
  private currentHook: Circus.Hook | null = null;
  /** Whether the file runs a test, so that the VM is booted before its tests (run_start, test_start). */
  private bootsVm = false;
  private circusState: Circus.State | null = null;
  private expect: ExpectWithState | null = null;
  private readonly runsByOwner = new Map<Owner, Run[]>();
  /** Runs whose leaks a test asserted with toLeak: they are expected, not failures. */
  private readonly expectedLeaks = new WeakSet<object>();
  /** The test each leak was asserted in (none for one asserted in a hook), for the figures of a beforeAll's. */
  private readonly leaksAssertedIn = new WeakMap<object, Circus.TestEntry>();
  /** Runs whose mismatched releases a test asserted with toHaveMismatchedFrees. */
  private readonly expectedMismatches = new WeakSet<object>();
  private readonly inFlight = new Set<RunInFlight>();
  /** Tests that are done (until a retry starts them again): a run they start now is no longer theirs to fail. */
  private readonly endedTests = new WeakSet<Circus.TestEntry>();
  /** What the file's own runs leaked so far (addFileFigures). */
  private fileFigures: LeakSummary = { bytes: 0, blocks: 0 };
  /**
   * A block's beforeAll runs, judged at the end of each test of the block that runs, for a test may assert
   * the leak of a run made once for all of them (toLeak); attached: a test has had their failures.
   */
  private readonly blockRuns = new Map<Circus.DescribeBlock, { runs: Run[]; attached: boolean }>();

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    // Jest has already merged the file's @jest-environment-options docblock into testEnvironmentOptions,
    // key by key: a docblock's "pmm" replaces the configuration's "pmm" as a whole. Their relative paths are
    // the project's, as Jest's own options' are.
    const envOptions = config.projectConfig.testEnvironmentOptions as Record<string, unknown>;
    this.pmmOptions = resolveOptions(optionsUnder(OPTIONS_KEY, envOptions), process.env, config.projectConfig.rootDir);
    this.testPath = context.testPath;
    this.figuresFile = { project: config.projectConfig.id, path: context.testPath };
    const run: PmmGlobal['run'] = (program, args = [], options = {}) => this.run(program, args, options, callSiteOf(run));
    const pmm = { run } as PmmGlobal;
    // A copy frozen all through, that cannot be replaced either: changing it must neither work nor seem to.
    // (run stays replaceable, for jest.spyOn.)
    Object.defineProperty(pmm, 'options', { value: frozenCopy(this.pmmOptions), enumerable: true, writable: false, configurable: false });
    this.global.pmm = pmm;
  }

  async handleTestEvent(event: Circus.Event, state: Circus.State): Promise<void> {
    this.circusState = state;
    switch (event.name) {
      case 'setup':
        this.expect = event.runtimeGlobals.expect as unknown as ExpectWithState;
        this.expect.extend(
          leakMatchers(
            (result) => {
              this.expectedLeaks.add(result);
              const asserting = this.assertingTest();
              if (asserting !== null) this.leaksAssertedIn.set(result, asserting);
            },
            (result) => this.expectedMismatches.add(result),
          ),
        );
        break;
      case 'run_start':
        // Before the file's first hook and test: no test's timeout then includes the boot.
        this.bootsVm = runsAnyTest(state);
        if (this.bootsVm) await prebootSharedVm(this.pmmOptions, notice);
        break;
      case 'test_start':
        this.currentTest = event.test;
        this.endedTests.delete(event.test);
        // A VM lost in an earlier test (a kernel panic, a VM that stopped answering) is booted again
        // here, before the test's hooks and body, so that the next test's timeout does not pay for it.
        if (this.bootsVm) await prebootSharedVm(this.pmmOptions, notice);
        break;
      case 'test_done': {
        this.currentTest = null;
        this.endedTests.add(event.test);
        // A test.failing one's errors may be circus's "it passed": no sign that it waited for its runs.
        const failing = isFailingTest(event.test);
        const unfinished = this.endRunsOf(event.test, !failing && event.test.errors.length > 0);
        // What a run killed unfinished leaked is not known: no figures, rather than a clean test's zeros.
        if (unfinished.length === 0) this.recordFigures(event.test);
        const failures = [...this.beforeAllFailures(event.test), ...this.takeFailures(event.test)];
        if (failing) settleFailingTest(event.test, failures);
        else event.test.errors.push(...failures);
        // Never the failure a test.failing one expects: nothing was judged of such a run.
        event.test.errors.push(...unfinished);
        break;
      }
      case 'test_skip':
      case 'test_todo':
        // Started but not run (test.skip, -t, test.todo): no test_done follows, and what runs next is no part of it.
        this.currentTest = null;
        break;
      case 'hook_start':
        if (event.hook.type === 'beforeAll' || event.hook.type === 'afterAll') this.currentHook = event.hook;
        break;
      case 'hook_success':
      case 'hook_failure':
        if (event.hook === this.currentHook) this.settleHook(event.hook, event.describeBlock, event.name === 'hook_failure');
        break;
      case 'run_describe_finish': {
        // A beforeAll whose tests all ended unrun (test.todo): its leaks fail the file.
        const left = this.blockRuns.get(event.describeBlock);
        this.blockRuns.delete(event.describeBlock);
        if (left && !left.attached) {
          state.unhandledErrors.push(...this.hookFailures('beforeAll', left.runs));
          this.addFileFigures(this.leakedIn(left.runs));
        }
        break;
      }
      case 'run_finish':
        // A run the file started outside any test and left going (a pmm.run not awaited at the top level).
        state.unhandledErrors.push(...this.endRunsOf('file', false));
        this.addFileFigures(this.leakedBy('file'));
        for (const failure of this.takeFailures('file')) state.unhandledErrors.push(failure);
        break;
    }
  }

  /**
   * A beforeAll's leaks fail every test of its block that runs, as jest-circus does with a beforeAll that
   * throws (not those skipped, by test.skip or -t); an afterAll's fail the file, as an afterAll that throws does.
   * A run either left going when it ended fails the file (endRunsOf).
   */
  private settleHook(hook: Circus.Hook, block: Circus.DescribeBlock | undefined, failed: boolean): void {
    this.currentHook = null;
    this.circusState?.unhandledErrors.push(...this.endRunsOf(hook, failed));
    if (hook.type === 'afterAll') this.addFileFigures(this.leakedBy(hook));
    const runs = this.takeRuns(hook);
    if (runs.length === 0) return;
    if (hook.type === 'beforeAll' && block) {
      const earlier = this.blockRuns.get(block)?.runs ?? [];
      this.blockRuns.set(block, { runs: [...earlier, ...runs], attached: false });
    } else {
      this.circusState?.unhandledErrors.push(...this.hookFailures(hook.type, runs));
    }
  }

  /** The failures of a hook's runs, as its own: "in beforeAll: ...". */
  private hookFailures(type: Circus.HookType, runs: Run[]): RunFailure[] {
    return this.failuresOf(runs).map((f) => ({ ...f, message: `in ${type}: ${f.message}`, stack: `in ${type}: ${f.stack}` }));
  }

  /**
   * The failures of the beforeAll hooks of the blocks a test that ran is in, judged now: a leak that this
   * test, or one before it, asserted with toLeak fails it no more.
   */
  private beforeAllFailures(test: Circus.TestEntry): RunFailure[] {
    const failures: RunFailure[] = [];
    for (let block: Circus.DescribeBlock | undefined = test.parent; block !== undefined; block = block.parent) {
      const entry = this.blockRuns.get(block);
      if (!entry) continue;
      entry.attached = true;
      failures.push(...this.hookFailures('beforeAll', entry.runs));
    }
    return failures;
  }

  /**
   * What the test's runs leaked in all (their followed children's too), and what a beforeAll's run leaked
   * that the test asserted with toLeak (its expected leak), for the JUnit report.
   */
  private recordFigures(test: Circus.TestEntry): void {
    const occurrence = this.circusState ? alikeBefore(this.circusState.rootDescribeBlock, test) : 0;
    const leaked = summarize([this.leakedBy(test), ...this.assertedOfBlocks(test)]);
    recordTestFigures(this.figuresFile, titlesOf(test), leaked, process.env, occurrence);
  }

  /** The figures of the processes of its blocks' beforeAll runs that the test asserted a leak of. */
  private assertedOfBlocks(test: Circus.TestEntry): LeakSummary[] {
    const summaries: LeakSummary[] = [];
    for (let block: Circus.DescribeBlock | undefined = test.parent; block !== undefined; block = block.parent) {
      for (const { result } of this.blockRuns.get(block)?.runs ?? []) {
        const processes = [result, ...(this.pmmOptions.followChildren ? (result.children ?? []) : [])];
        summaries.push(...processes.filter((p) => this.leaksAssertedIn.get(p) === test).map((p) => p.summary));
      }
    }
    return summaries;
  }

  private leakedBy(owner: Owner): LeakSummary {
    return this.leakedIn(this.runsByOwner.get(owner) ?? []);
  }

  private leakedIn(runs: readonly Run[]): LeakSummary {
    return summarize(runs.flatMap(({ result }) => [
      result.summary,
      ...(this.pmmOptions.followChildren ? (result.children ?? []).map((child) => child.summary) : []),
    ]));
  }

  /**
   * What the file's own runs (afterAll's, outside any test, or a beforeAll's whose tests all went unrun)
   * leaked, added up, for the JUnit case of the file's error (titles []): otherwise a leak that failed the
   * file would be in no test's figures.
   */
  private addFileFigures(leaked: LeakSummary): void {
    if (leaked.blocks === 0) return;
    this.fileFigures = summarize([this.fileFigures, leaked]);
    recordTestFigures(this.figuresFile, [], this.fileFigures);
  }

  private takeRuns(owner: Owner): Run[] {
    const runs = this.runsByOwner.get(owner) ?? [];
    this.runsByOwner.delete(owner);
    return runs;
  }

  private takeFailures(owner: Owner): RunFailure[] {
    return this.failuresOf(this.takeRuns(owner));
  }

  private failuresOf(runs: Run[]): RunFailure[] {
    return runs.flatMap(({ result, allowFault, callSite }) =>
      runFailures(result, {
        options: this.pmmOptions,
        asserted: (process, what) => (what === 'leaks' ? this.expectedLeaks : this.expectedMismatches).has(process),
        faultExpected: allowFault,
      }).map((failure) => withCallSite(failure, callSite)),
    );
  }

  /**
   * The owner is fixed when the run starts: a run that ends after its test began another is still its. A
   * run started by a test that has ended (a timer it left, which Jest 30 still names it for) is the file's:
   * its failures, taken at test_done, could no longer reach the test, and its leak went unreported.
   */
  private ownerOfCall(program: string): Owner {
    const owner = this.callingOwner();
    if (owner === 'file' || owner.type !== 'test' || !this.endedTests.has(owner)) return owner;
    notice(`pmm: ${program}: started after test "${titlesOf(owner).join(' › ')}" ended: its result fails the file instead`);
    return 'file';
  }

  /** The test a matcher runs in (a concurrent one's too), or null in a hook or outside any test. */
  private assertingTest(): Circus.TestEntry | null {
    try {
      const owner = this.callingOwner();
      return owner !== 'file' && owner.type === 'test' ? owner : null;
    } catch {
      return null; // jest-circus has not started the file: no test asserts
    }
  }

  private callingOwner(): Owner {
    const state = this.expect?.getState();
    const running = state?.currentTestIdentity?.();
    if (running !== undefined) return running;
    const concurrentName = state?.currentConcurrentTestName?.();
    if (concurrentName !== undefined) {
      if (!this.circusState) throw new AttributionError('pmm.run was called before jest-circus started the file');
      return concurrentTest(this.circusState.rootDescribeBlock, concurrentName);
    }
    return this.currentTest ?? this.currentHook ?? 'file';
  }

  /**
   * A test or hook that ends while its runs go on (Jest's timeout, or a run not awaited): their programs are
   * killed, as a timeout kills them, or the VM, which runs one program at a time, would keep every later run
   * of the file waiting for them. Their results, which come after, belong to no test: an await of one gets
   * it marked orphaned. Each is a failure of the owner's: what such a run leaked is not known, and a test
   * that forgot to await its run would otherwise pass without a verdict on it.
   */
  private endRunsOf(owner: Owner, failedAlready: boolean): Error[] {
    const failures: Error[] = [];
    for (const run of this.inFlight) {
      if (run.owner !== owner || run.orphaned) continue;
      const whose = owner === 'file' ? 'the file' : owner.type === 'test' ? `test "${titlesOf(owner).join(' › ')}"` : `its ${owner.type} hook`;
      run.orphaned = true;
      run.control.signal?.('SIGKILL');
      // Nobody awaits it any more (or the test would not have ended): it resolves, marked orphaned (runFor),
      // and whatever else ends it must not surface as an unhandled rejection in whichever test runs next.
      run.settled?.catch(() => undefined);
      // Not known here: whether it had started, or waited its turn behind another test's run (Jest 29 starts
      // test.concurrent tests before the plain tests above them).
      notice(`pmm: ${run.program}: still running, or waiting for the VM, when ${whose} ended: killed, so that the runs after it do not wait for it`);
      // A test that failed (its timeout, an assertion) did not wait for it; one that passed did not await it.
      const why = failedAlready ? '' : ' (was it awaited?)';
      const failure = new Error(`pmm.run(${run.program}) had not finished when ${whose} ended: it was killed, and what it leaked is not known${why}`);
      failure.stack = [`Error: ${failure.message}`, ...run.callSite].join('\n');
      failures.push(failure);
    }
    return failures;
  }

  private run(program: string, args: readonly string[], options: RunOptions, callSite: string[]): Promise<RunResult> {
    const flight: RunInFlight = { owner: 'file', program, control: {}, orphaned: false, callSite };
    flight.settled = this.runFor(flight, program, args, options, callSite).catch((err: unknown) => {
      throw errorAtCallSite(err, callSite);
    });
    return flight.settled;
  }

  private async runFor(flight: RunInFlight, program: string, args: readonly string[], options: RunOptions, callSite: string[]): Promise<RunResult> {
    // Before any await: the owner is whoever called pmm.run.
    const owner = this.ownerOfCall(program);
    flight.owner = owner;
    this.inFlight.add(flight);
    let result: RunResult;
    try {
      result = await runProgram(program, args, this.pmmOptions, options, notice, flight.control);
    } catch (err) {
      if (!flight.orphaned) throw err;
      // Killed when its owner ended. Not a rejection: a promise the test made of it (pmm.run(...).then(...))
      // would reject unhandled, and jest-circus gives that to whichever test runs then.
      result = orphanedResult(program, args);
    } finally {
      this.inFlight.delete(flight);
    }
    // Nobody's result: marked so, and the matchers refuse it (its owner has failed for it already).
    if (flight.orphaned) return { ...result, orphaned: true };
    for (const child of result.children ?? []) if (child.unhooked) notice(unhookedChildMessage(result.program, child));
    for (const note of [...releaseNotes(result), ...readOnlyNote(result.stderr, 'jest'), ...outputNote(result)]) notice(`pmm: ${result.program}: ${note}`);
    for (const child of result.children ?? []) for (const note of releaseNotes(child, true)) notice(`pmm: ${result.program}: ${forkedChildName(child)}: ${note}`);
    const runs = this.runsByOwner.get(owner) ?? [];
    runs.push({ result, allowFault: options.allowFault === true, callSite });
    this.runsByOwner.set(owner, runs);
    return result;
  }
}

/** What a run killed when its owner ended resolves to when it has no result of its own (the kill failed it). */
function orphanedResult(program: string, args: readonly string[]): RunResult {
  return {
    program, args: [...args], exitCode: null, signal: null, timedOut: false, stdout: '', stderr: '',
    leaks: [], summary: { bytes: 0, blocks: 0 }, mismatches: [], mismatchedFrees: 0, unmatchedFrees: 0, children: [],
    orphaned: true,
  };
}

/** The describe blocks' names and the test's, as Jest's results give them (the root block left out). */
function titlesOf(test: Circus.TestEntry): string[] {
  const titles = [test.name];
  for (let block = test.parent; block.parent !== undefined; block = block.parent) titles.unshift(block.name);
  return titles;
}

/** How many tests defined before test, in the file's order, have its titles. */
function alikeBefore(root: Circus.DescribeBlock, test: Circus.TestEntry): number {
  const key = JSON.stringify(titlesOf(test));
  let count = 0;
  const walk = (block: Circus.DescribeBlock): boolean => {
    for (const child of block.children) {
      if (child.type === 'describeBlock') {
        if (walk(child)) return true;
      } else if (child === test) {
        return true;
      } else if (JSON.stringify(titlesOf(child)) === key) {
        count += 1;
      }
    }
    return false;
  };
  walk(root);
  return count;
}

/** A deep copy of plain data, frozen at every level. */
function frozenCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const copy = (Array.isArray(value) ? value.map(frozenCopy) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, frozenCopy(v)]))) as T;
  return Object.freeze(copy);
}
