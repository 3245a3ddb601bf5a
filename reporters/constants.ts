// The JUnit reporter's configuration in one place: its defaults, the environment variables that override
// them, and the order they merge in (defaults < reporter options in the Jest config < environment).

export interface JunitReporterOptions {
  /** Where the report goes; a relative path is taken from Jest's rootDir. */
  outputFile: string;
  /** The `name` of the <testsuites> root. */
  suiteName: string;
  /** Joins the describe blocks and the test's title into the test case's classname and name. */
  ancestorSeparator: string;
  /** Print a short summary of the report (tests, leaks, faults, the file's path) on stdout. */
  summary: boolean;
}

export const DEFAULT_OPTIONS: Readonly<JunitReporterOptions> = Object.freeze({
  outputFile: 'reports/pmm-junit.xml',
  suiteName: 'jest tests', // jest-junit's default, so CI dashboards keep their grouping when switching
  ancestorSeparator: ' ', // jest-junit's default
  summary: true,
});

export const ENVIRONMENT_OPTIONS: Readonly<Record<string, keyof JunitReporterOptions>> = Object.freeze({
  PMM_JUNIT_OUTPUT_FILE: 'outputFile',
  PMM_JUNIT_SUITE_NAME: 'suiteName',
  PMM_JUNIT_ANCESTOR_SEPARATOR: 'ancestorSeparator',
  PMM_JUNIT_SUMMARY: 'summary', // "true"/"1" or "false"/"0"
});
