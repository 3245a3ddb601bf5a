// Table tests for merging the JUnit reporter's options: defaults < Jest config < environment.

import {DEFAULT_OPTIONS} from '../constants';
import {resolveJunitOptions} from '../options';

it.each([
  ['nothing given', undefined, {}, DEFAULT_OPTIONS],
  ['config options', {outputFile: 'out/j.xml', suiteName: 'native'}, {}, {...DEFAULT_OPTIONS, outputFile: 'out/j.xml', suiteName: 'native'}],
  [
    'the environment wins',
    {outputFile: 'out/j.xml'},
    {PMM_JUNIT_OUTPUT_FILE: '/ci/junit.xml', PMM_JUNIT_ANCESTOR_SEPARATOR: ' › '},
    {...DEFAULT_OPTIONS, outputFile: '/ci/junit.xml', ancestorSeparator: ' › '},
  ],
  ['an empty variable is unset', {suiteName: 'native'}, {PMM_JUNIT_SUITE_NAME: ''}, {...DEFAULT_OPTIONS, suiteName: 'native'}],
])('%s', (_name, options, env, expected) => {
  expect(resolveJunitOptions(options, env)).toEqual(expected);
});

it.each([
  ['not an object', 'reports/j.xml', /options must be an object/],
  ['an array', [], /options must be an object/],
  ['an unknown key', {outputDirectory: 'reports'}, /unknown option "outputDirectory"/],
  ['a wrong type', {suiteName: 3}, /option "suiteName" must be a string/],
  ['an empty output file', {outputFile: ''}, /option "outputFile" must not be empty/],
])('throws, naming the option, for %s', (_name, options, message) => {
  expect(() => resolveJunitOptions(options, {})).toThrow(message);
});
