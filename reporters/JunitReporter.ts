// The Jest reporter behind `jest-environment-pmm/junit`: on run completion it writes the JUnit report, and
// from the run's start until then one that says the run has no result (unfinishedRun.ts). The only part
// that touches the disk; building and rendering the report are pure (buildJunit, renderJunit).

import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'fs';
import {dirname, resolve} from 'path';
import {BaseReporter, type AggregatedResult, type Config, type ReporterContext, type Test, type TestContext, type TestResult} from '@jest/reporters';
import {FIGURES_DIR_VARIABLE, figuresKey, makeFiguresDir, readTestFigures} from '../harness/testFigures';
import {buildJunit} from './buildJunit';
import type {JunitReporterOptions} from './constants';
import {resolveJunitOptions} from './options';
import {renderJunit} from './renderJunit';
import {junitSummary} from './summary';
import {unfinishedRun} from './unfinishedRun';

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
    this.figuresDir = makeFiguresDir();
    process.env[FIGURES_DIR_VARIABLE] = this.figuresDir;
  }

  /** Where the report goes: outputFile, taken from rootDir when relative. */
  get outputFile(): string {
    return resolve(this.rootDir, this.options.outputFile);
  }

  /**
   * Until the run's report replaces it, the file says the run has none: a run ended first left the last
   * run's report in its place. Not writable now, it is said in onRunComplete, as ever.
   */
  override onRunStart(): void {
    try {
      this.write(renderJunit(buildJunit(unfinishedRun(this.rootDir, Date.now()), {...this.options, rootDir: this.rootDir})));
    } catch {
      // onRunComplete tries again, and says why it cannot
    }
  }

  override onTestResult(test: Test, testResult: TestResult): void {
    this.projects.set(testResult, test.context.config);
  }

  private write(xml: string): void {
    mkdirSync(dirname(this.outputFile), {recursive: true});
    writeFileSync(this.outputFile, xml);
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
      this.write(renderJunit(document));
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
