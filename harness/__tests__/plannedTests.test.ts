import type { Circus } from '@jest/types';
import { runsAnyTest } from '../plannedTests';

type Node = { test: string; mode?: Circus.TestMode } | { describe: string; mode?: Circus.BlockMode; children: Node[] };

/** A describe tree as jest-circus builds it, only the fields the rule reads. */
function block(name: string, mode: Circus.BlockMode, children: Node[]): Circus.DescribeBlock {
  return {
    type: 'describeBlock', name, mode,
    children: children.map((c) => ('test' in c ? ({ type: 'test', name: c.test, mode: c.mode } as Circus.TestEntry) : block(c.describe, c.mode, c.children))),
  } as Circus.DescribeBlock;
}

const plan = (children: Node[], extra: { focused?: boolean; pattern?: RegExp } = {}): boolean =>
  runsAnyTest({ rootDescribeBlock: block('ROOT_DESCRIBE_BLOCK', undefined, children), hasFocusedTests: extra.focused ?? false, testNamePattern: extra.pattern ?? null });

test.each([
  ['a plain test', [{ test: 'a' }], {}, true],
  ['no tests', [], {}, false],
  ['only skipped and todo tests', [{ test: 'a', mode: 'skip' }, { test: 'b', mode: 'todo' }], {}, false],
  ['a test under a skipped describe, however deep', [{ describe: 'd', mode: 'skip', children: [{ describe: 'e', children: [{ test: 'a' }] }] }], {}, false],
  ['a focused test', [{ test: 'a' }, { test: 'b', mode: 'only' }], { focused: true }, true],
  ['an unfocused test, in a file that focuses one elsewhere', [{ test: 'a' }], { focused: true }, false],
  ['-t matching describe and test names joined by a space', [{ describe: 'parser', children: [{ test: 'leaks' }] }], { pattern: /parser leaks/ }, true],
  ['-t matching nothing', [{ describe: 'parser', children: [{ test: 'leaks' }] }], { pattern: /lexer/ }, false],
] as Array<[string, Node[], { focused?: boolean; pattern?: RegExp }, boolean]>)('%s', (_name, children, extra, expected) => {
  expect(plan(children, extra)).toBe(expected);
});
