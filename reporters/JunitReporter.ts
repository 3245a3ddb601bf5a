// The Jest reporter behind `jest-environment-pmm/junit`: on run completion it writes the JUnit report.
// The only part that touches the disk; building and rendering the report are pure (buildJunit, renderJunit).

import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'fs';
import {tmpdir} from 'os';
import {dirname, join, resolve} from 'path';
import {BaseReporter, type AggregatedResult, type Config, type ReporterContext, type Test, type TestContext, type TestResult} from '@jest/reporters';
import {FIGURES_DIR_VARIABLE, figuresKey, readTestFigures} from '../harness/testFigures';
import {buildJunit} from './buildJunit';
import type {JunitReporterOptions} from './constants';
import {resolveJunitOptions} from './options';
import {renderJunit} from './renderJunit';
import {junitSummary} from './summary';

/** A test file's text, to find its tests' lines; a file gone since the run just has no lines. */
function readSource(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export default class JunitReporter extends BaseReporter {
  private readonly options: JunitReporterOptions;
  private readonly rootDir: string;
  private readonly figuresDir: string;
  /** The project that ran each file's result: projects may each run the same file. */
  private readonly projects = new WeakMap<TestResult, Config.ProjectConfig>();

  constructor(globalConfig: Config.GlobalConfig, reporterOptions?: unknown, _reporterContext?: ReporterContext) {
    super();
    this.options = resolveJunitOptions(reporterOptions);
    this.rootDir = globalConfig.rootDir;
    // Named in the environment before Jest starts its workers, so that they inherit it (testFigures.ts).
    this.figuresDir = mkdtempSync(join(tmpdir(), 'pmm-figures-'));
    process.env[FIGURES_DIR_VARIABLE] = this.figuresDir;
  }

  /** Where the report goes: outputFile, taken from rootDir when relative. */
  get outputFile(): string {
    return resolve(this.rootDir, this.options.outputFile);
  }

  override onTestResult(test: Test, testResult: TestResult): void {
    this.projects.set(testResult, test.context.config);
  }

  override onRunComplete(_testContexts?: Set<TestContext>, results?: AggregatedResult): void {
    // A reporter that throws takes Jest's own summary down with it; record the error for getLastError(),
    // which makes Jest exit non-zero, and say it: Jest prints no reporter's error, so a run whose every
    // test passed would fail with no word of why.
    try {
      if (results === undefined) throw new Error('jest-environment-pmm/junit: Jest passed no results to onRunComplete');
      const figures = readTestFigures(this.figuresDir);
      const figuresOf = (result: TestResult, titles: readonly string[], occurrence: number) => {
        const project = this.projects.get(result);
        return project === undefined ? null : (figures.get(figuresKey({project: project.id, path: result.testFilePath}, titles, occurrence)) ?? null);
      };
      // A file that could not run has a result Jest built without the project's name; the project has it.
      const projectNameOf = (result: TestResult) => result.displayName?.name ?? this.projects.get(result)?.displayName?.name;
      const document = buildJunit(results, {...this.options, rootDir: this.rootDir, sourceOf: readSource, figuresOf, projectNameOf});
      mkdirSync(dirname(this.outputFile), {recursive: true});
      writeFileSync(this.outputFile, renderJunit(document));
      // On stderr, where Jest writes its own summary: `jest --json` keeps stdout for the JSON alone.
      if (this.options.summary) process.stderr.write(junitSummary(document, this.outputFile));
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      const failure = new Error(`jest-environment-pmm/junit: could not write ${this.outputFile}: ${cause.message}`, {cause});
      process.stderr.write(`${failure.message}\n`);
      this._setError(failure);
    } finally {
      rmSync(this.figuresDir, {recursive: true, force: true});
    }
  }
}
