// The Jest reporter behind `jest-environment-pmm/junit`: on run completion it writes the JUnit report.
// The only part that touches the disk; building and rendering the report are pure (buildJunit, renderJunit).

import {mkdirSync, writeFileSync} from 'fs';
import {dirname, resolve} from 'path';
import {BaseReporter, type AggregatedResult, type Config, type ReporterContext, type TestContext} from '@jest/reporters';
import {buildJunit} from './buildJunit';
import type {JunitReporterOptions} from './constants';
import {resolveJunitOptions} from './options';
import {renderJunit} from './renderJunit';

export default class JunitReporter extends BaseReporter {
  private readonly options: JunitReporterOptions;
  private readonly rootDir: string;

  constructor(globalConfig: Config.GlobalConfig, reporterOptions?: unknown, _reporterContext?: ReporterContext) {
    super();
    this.options = resolveJunitOptions(reporterOptions);
    this.rootDir = globalConfig.rootDir;
  }

  /** Where the report goes: outputFile, taken from rootDir when relative. */
  get outputFile(): string {
    return resolve(this.rootDir, this.options.outputFile);
  }

  override onRunComplete(_testContexts?: Set<TestContext>, results?: AggregatedResult): void {
    // A reporter that throws takes Jest's own summary down with it; record the error for getLastError(),
    // which makes Jest exit non-zero.
    try {
      if (results === undefined) throw new Error('jest-environment-pmm/junit: Jest passed no results to onRunComplete');
      const xml = renderJunit(buildJunit(results, {...this.options, rootDir: this.rootDir}));
      mkdirSync(dirname(this.outputFile), {recursive: true});
      writeFileSync(this.outputFile, xml);
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      this._setError(new Error(`jest-environment-pmm/junit: could not write ${this.outputFile}: ${cause.message}`, {cause}));
    }
  }
}
