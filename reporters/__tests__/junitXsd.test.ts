// Checks that the schema check itself can fail: documents CI servers would reject must not pass junit.xsd.

import {junitSchemaErrors} from './validateJunit';

const suite = (attributes: string, body = ''): string =>
  `<?xml version="1.0"?><testsuites><testsuite ${attributes}>${body}</testsuite></testsuites>`;
const GOOD_SUITE = 'name="a" tests="1" failures="1" errors="0" skipped="0" time="0.5" timestamp="2025-11-26T06:57:11"';

it('accepts a well-formed report', () => {
  const body = '<testcase classname="c" name="n" time="0.1"><properties><property name="p" value="1"/></properties><failure message="m" type="MemoryLeak">at f (a.c:1)</failure></testcase>';
  expect(junitSchemaErrors(suite(GOOD_SUITE, body))).toBeNull();
});

it.each([
  ['a test case without classname', suite(GOOD_SUITE, '<testcase name="n"/>')],
  ['a suite without a name', suite('tests="0" failures="0" errors="0" time="0"')],
  ['a negative time', suite(GOOD_SUITE.replace('time="0.5"', 'time="-1"'))],
  ['a count that is not a number', suite(GOOD_SUITE.replace('tests="1"', 'tests="one"'))],
  ['a timestamp with a zone', suite(GOOD_SUITE.replace('06:57:11', '06:57:11Z'))],
  ['an unknown element', suite(GOOD_SUITE, '<testcase classname="c" name="n"><flaky/></testcase>')],
  ['properties after the outcome', suite(GOOD_SUITE, '<testcase classname="c" name="n"><failure/><properties/></testcase>')],
  ['a property without a value', suite(GOOD_SUITE, '<testcase classname="c" name="n"><properties><property name="p"/></properties></testcase>')],
  ['text that is not XML', '<testsuites><testsuite'],
])('rejects %s', (_name, xml) => {
  expect(junitSchemaErrors(xml)).not.toBeNull();
});
