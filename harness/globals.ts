// Types for what the environment puts in a test's scope: the `pmm` global and the leak and mismatch matchers,
// and the public types of its runs. In a TypeScript test: `import type {} from 'jest-environment-pmm/globals';`
// (or `import type { RunResult } from ...`).
// Kept in the declarations: they name Node's types (Buffer, streams), which a project whose tsconfig lists
// its "types" (TypeScript 6 on lists none by default) would not otherwise load.
/// <reference types="node" preserve="true" />
import type { PmmOptions } from './options';
import type { RunOptions } from './runProgram';
import type { LeakSummary, RunResult } from './types';

// The package's root is the environment itself (`export =`, which Jest loads), so its public types are here.
export type { PmmOptions } from './options';
export type { RunOptions } from './runProgram';
export type { GrowthOptions } from './growth';
export type { AllocationKind, ChildResult, Frame, GrowthVerdict, Leak, LeakSummary, MemorySample, Mismatch, ReleaseKind, RunResult, SeriesVerdict } from './types';

export interface PmmGlobal {
  run(program: string, args?: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** The options in force for this test file, after defaults, environment variables and the docblock. */
  readonly options: Readonly<PmmOptions>;
}

/** pmm's matchers, on whichever expect a test uses. */
export interface PmmMatchers<R> {
  toHaveNoLeaks(): R;
  toLeak(expected?: Partial<LeakSummary>): R;
  /** The run released exactly `count` blocks (any, when none is given) with another family's call. */
  toHaveMismatchedFrees(count?: number): R;
}

declare global {
  // eslint-disable-next-line no-var
  var pmm: PmmGlobal;
  // The global expect of @types/jest.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-interface
    interface Matchers<R> extends PmmMatchers<R> {}
  }
}

// The expect of the expect package (Jest 29's and 30's), which `import { expect } from '@jest/globals'` gives.
declare module 'expect' {
  // eslint-disable-next-line @typescript-eslint/no-empty-interface
  interface Matchers<R extends void | Promise<void>, T = unknown> extends PmmMatchers<R> {}
}
