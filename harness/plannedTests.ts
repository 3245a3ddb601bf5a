// Whether a test file will run a test at all, by jest-circus's rule for skipping one (run.ts's _runTest):
// a test is skipped under a skipped describe, when it is skipped itself, when others are focused and it
// is not, or when -t's pattern does not match its names; a todo has no body. The environment boots its VM
// ahead of a file's tests only when one of them will run.
import type { Circus } from '@jest/types';

type PlanState = Pick<Circus.State, 'rootDescribeBlock' | 'hasFocusedTests' | 'testNamePattern'>;

export function runsAnyTest(state: PlanState): boolean {
  const runs = (block: Circus.DescribeBlock, names: string[], skipped: boolean): boolean =>
    block.children.some((child) => {
      if (child.type === 'describeBlock') return runs(child, [...names, child.name], skipped || child.mode === 'skip');
      if (skipped || child.mode === 'skip' || child.mode === 'todo') return false;
      if (state.hasFocusedTests && child.mode !== 'only') return false;
      return !state.testNamePattern || state.testNamePattern.test([...names, child.name].join(' '));
    });
  return runs(state.rootDescribeBlock, [], state.rootDescribeBlock.mode === 'skip');
}
