// The Jest environment behind `jest --env pmm`: jest-environment-node plus a global `pmm` whose runs are
// attributed to the test that started them. A test during which a run leaked fails with the leak's stacks.
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import NodeEnvironment from 'jest-environment-node';
import type { PmmGlobal } from './globals';
import { leakFailureDetail } from './leakReport';
import { leakMatchers } from './matchers';
import { resolveOptions, type PmmOptions } from './options';
import { runProgram, type RunOptions } from './runProgram';
import type { RunResult } from './types';


/** Options live under this one key of testEnvironmentOptions. */
export const OPTIONS_KEY = 'pmm';

export default class PmmEnvironment extends NodeEnvironment {
  private readonly pmmOptions: PmmOptions;
  private currentTest: Circus.TestEntry | null = null;
  private readonly runsByTest = new Map<Circus.TestEntry, RunResult[]>();
  /** Runs whose leaks a test asserted with toLeak: they are expected, not failures. */
  private readonly expectedLeaks = new WeakSet<RunResult>();

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const envOptions = config.projectConfig.testEnvironmentOptions as Record<string, unknown>;
    this.pmmOptions = resolveOptions(envOptions[OPTIONS_KEY]);
    const pmm: PmmGlobal = {
      run: (program, args = [], options = {}) => this.run(program, args, options),
    };
    this.global.pmm = pmm;
  }

  async handleTestEvent(event: Circus.Event): Promise<void> {
    if (event.name === 'setup') {
      const expect = event.runtimeGlobals.expect as unknown as { extend(matchers: object): void };
      expect.extend(leakMatchers((result) => this.expectedLeaks.add(result)));
    } else if (event.name === 'test_start') {
      this.currentTest = event.test;
      this.runsByTest.set(event.test, []);
    } else if (event.name === 'test_done') {
      const runs = this.runsByTest.get(event.test) ?? [];
      this.runsByTest.delete(event.test);
      this.currentTest = null;
      for (const run of runs) {
        if (run.leaks.length > 0 && !this.expectedLeaks.has(run)) event.test.errors.push(leakFailureDetail(run));
      }
    }
  }

  private async run(program: string, args: string[], options: RunOptions): Promise<RunResult> {
    // The test is fixed when the run starts: a run that ends after its test is still that test's.
    const test = this.currentTest;
    const result = await runProgram(program, args, this.pmmOptions, options, (m) => process.stderr.write(`${m}\n`));
    if (test) this.runsByTest.get(test)?.push(result);
    return result;
  }
}
