// The JUnit report as the object xml2js's Builder renders: `$` holds an element's attributes, `_` its text.

export interface JunitProperty {
  $: {name: string; value: string};
}

export interface JunitProblem {
  $: {message: string; type: string};
  _: string;
}

export interface JunitTestCase {
  $: {classname: string; name: string; time: string; file: string; line?: string};
  properties?: {property: JunitProperty[]};
  failure?: JunitProblem[];
  error?: JunitProblem[];
  skipped?: Record<string, never>;
}

export interface JunitTestSuite {
  $: {name: string; tests: string; failures: string; errors: string; skipped: string; time: string; timestamp: string};
  testcase: JunitTestCase[];
}

export interface JunitDocument {
  testsuites: {
    $: {name: string; tests: string; failures: string; errors: string; time: string};
    testsuite: JunitTestSuite[];
  };
}
