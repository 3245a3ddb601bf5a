// The Jest environment behind `jest --env pmm`: jest-environment-node plus a global `pmm` whose runs are
// attributed to the test that started them. A test during which a run leaked, released a block with the
// wrong call (a mismatched free/delete), crashed, was killed, timed out or grew steadily fails with what
// happened.
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import NodeEnvironment from 'jest-environment-node';
import { AttributionError, concurrentTest } from './attribution';
import { forkedChildName } from './childName';
import type { PmmGlobal } from './globals';
import { unhookedChildMessage } from './hookReach';
import { leakMatchers } from './matchers';
import { summarize } from './leakReport';
import { resolveOptions, type PmmOptions } from './options';
import { runsAnyTest } from './plannedTests';
import { outputNote, readOnlyNote, releaseNotes } from './releaseNotes';
import { runProgram, type RunOptions } from './runProgram';
import { prebootSharedVm } from './sharedVm';
import { recordTestFigures } from './testFigures';
import type { RunResult } from './types';
import { runFailures, type RunFailure } from './verdict';

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
  private currentTest: Circus.TestEntry | null = null;
  private currentHook: Circus.Hook | null = null;
  private circusState: Circus.State | null = null;
  private expect: ExpectWithState | null = null;
  private readonly runsByOwner = new Map<Owner, Run[]>();
  /** Runs whose leaks a test asserted with toLeak: they are expected, not failures. */
  private readonly expectedLeaks = new WeakSet<RunResult>();
  /** Runs whose mismatched releases a test asserted with toHaveMismatchedFrees. */
  private readonly expectedMismatches = new WeakSet<RunResult>();

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    // Jest has already merged the file's @jest-environment-options docblock into testEnvironmentOptions,
    // key by key: a docblock's "pmm" replaces the configuration's "pmm" as a whole.
    const envOptions = config.projectConfig.testEnvironmentOptions as Record<string, unknown>;
    this.pmmOptions = resolveOptions(envOptions[OPTIONS_KEY]);
    this.testPath = context.testPath;
    const pmm: PmmGlobal = {
      run: (program, args = [], options = {}) => this.run(program, args, options),
      options: Object.freeze({ ...this.pmmOptions }),
    };
    this.global.pmm = pmm;
  }

  async handleTestEvent(event: Circus.Event, state: Circus.State): Promise<void> {
    this.circusState = state;
    switch (event.name) {
      case 'setup':
        this.expect = event.runtimeGlobals.expect as unknown as ExpectWithState;
        this.expect.extend(
          leakMatchers(
            (result) => this.expectedLeaks.add(result),
            (result) => this.expectedMismatches.add(result),
          ),
        );
        break;
      case 'run_start':
        // Before the file's first hook and test: no test's timeout then includes the boot.
        if (runsAnyTest(state)) await prebootSharedVm(this.pmmOptions, notice);
        break;
      case 'test_start':
        this.currentTest = event.test;
        break;
      case 'test_done':
        this.currentTest = null;
        this.recordFigures(event.test);
        for (const failure of this.takeFailures(event.test)) event.test.errors.push(failure);
        break;
      case 'hook_start':
        if (event.hook.type === 'beforeAll' || event.hook.type === 'afterAll') this.currentHook = event.hook;
        break;
      case 'hook_success':
      case 'hook_failure':
        if (event.hook === this.currentHook) this.settleHook(event.hook, event.describeBlock);
        break;
      case 'run_finish':
        for (const failure of this.takeFailures('file')) state.unhandledErrors.push(failure);
        break;
    }
  }

  /**
   * A beforeAll's leaks fail every test of its block, as jest-circus does with a beforeAll that throws (the
   * tests then do not run); an afterAll's fail the file, as an afterAll that throws does.
   */
  private settleHook(hook: Circus.Hook, block: Circus.DescribeBlock | undefined): void {
    this.currentHook = null;
    const failures = this.takeFailures(hook).map((f) => ({ ...f, message: `in ${hook.type}: ${f.message}`, stack: `in ${hook.type}: ${f.stack}` }));
    if (failures.length === 0) return;
    if (hook.type === 'beforeAll' && block) {
      for (const test of testsUnder(block)) test.errors.push(...failures);
    } else {
      this.circusState?.unhandledErrors.push(...failures);
    }
  }

  /** What the test's runs leaked in all (their followed children's too), for the JUnit report. */
  private recordFigures(test: Circus.TestEntry): void {
    const runs = this.runsByOwner.get(test) ?? [];
    const summaries = runs.flatMap(({ result }) => [
      result.summary,
      ...(this.pmmOptions.followChildren ? (result.children ?? []).map((child) => child.summary) : []),
    ]);
    recordTestFigures(this.testPath, titlesOf(test), summarize(summaries));
  }

  private takeFailures(owner: Owner): RunFailure[] {
    const runs = this.runsByOwner.get(owner) ?? [];
    this.runsByOwner.delete(owner);
    return runs.flatMap(({ result, allowFault }) =>
      runFailures(result, {
        options: this.pmmOptions,
        leaksExpected: this.expectedLeaks.has(result),
        mismatchesExpected: this.expectedMismatches.has(result),
        faultExpected: allowFault,
      }),
    );
  }

  /** The owner is fixed when the run starts: a run that ends after its test began another is still its. */
  private ownerOfCall(): Owner {
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

  private async run(program: string, args: string[], options: RunOptions): Promise<RunResult> {
    const owner = this.ownerOfCall();
    const result = await runProgram(program, args, this.pmmOptions, options, notice);
    for (const child of result.children ?? []) if (child.unhooked) notice(unhookedChildMessage(result.program, child));
    for (const note of [...releaseNotes(result), ...readOnlyNote(result.stderr, 'jest'), ...outputNote(result)]) notice(`pmm: ${result.program}: ${note}`);
    for (const child of result.children ?? []) for (const note of releaseNotes(child, true)) notice(`pmm: ${result.program}: ${forkedChildName(child)}: ${note}`);
    const runs = this.runsByOwner.get(owner) ?? [];
    runs.push({ result, allowFault: options.allowFault === true });
    this.runsByOwner.set(owner, runs);
    return result;
  }
}

/** The describe blocks' names and the test's, as Jest's results give them (the root block left out). */
function titlesOf(test: Circus.TestEntry): string[] {
  const titles = [test.name];
  for (let block = test.parent; block.parent !== undefined; block = block.parent) titles.unshift(block.name);
  return titles;
}

function testsUnder(block: Circus.DescribeBlock): Circus.TestEntry[] {
  return block.children.flatMap((child) => (child.type === 'test' ? [child] : testsUnder(child)));
}
