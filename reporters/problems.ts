// Pure: turns one test's failures into the one <failure> or <error> its testcase gets. One element, because
// GitHub's JUnit consumers read only the first (mikepenz/action-junit-report reads `failure` as a single
// object; dorny/test-reporter takes failure[0]): its message is the first problem's, its text all of them.
// A fault (crash, kill, timeout, kernel panic, VM that fails or does not boot) or a run pmm refused makes it
// an <error>; leaks, mismatched releases, growth, assertions and (pmm run --junit) a program's non-zero exit
// status make it a <failure>.

import type {TestCaseResult} from '@jest/reporters';
import {formatAmount, formatLeakMessage} from '../harness/leakReport';
import type {FaultKind} from '../harness/types';
import {isLeakFailureDetail} from './isLeakFailureDetail';
import {faultData, isExitStatusDetail, isGrowthDetail, isMismatchDetail} from './isPmmDetail';
import type {JunitProblem, JunitProperty} from './junitTypes';
import {stripAnsi, xmlText} from './xmlText';

export const FAULT_TYPES: Readonly<Record<FaultKind, string>> = {
  crash: 'Crash',
  killed: 'Killed',
  timeout: 'Timeout',
  'kernel-panic': 'KernelPanic',
  'vm-failure': 'VmFailure',
  'boot-failure': 'VmBootFailure',
};

/** How the environment begins the message of a hook's run's failure (PmmEnvironment's hookFailures). */
const HOOK_CONTEXT = /^in (?:beforeAll|afterAll): /;

/** An error pmm threw (its messages start "pmm: "), as Jest prints it: "ProgramError: pmm: ...". */
const PMM_REFUSAL = /^\s*(?:\w*Error: )?pmm: /;

interface Problem {
  element: 'failure' | 'error';
  type: string;
  message: string;
  text: string;
}

export interface CaseOutcome {
  failure?: JunitProblem[];
  error?: JunitProblem[];
  properties: JunitProperty[];
}

/** failureMessages[i] and failureDetails[i] describe the same error; pmm's data gives type and message. */
function problems(test: TestCaseResult): Problem[] {
  const count = Math.max(test.failureMessages.length, test.failureDetails.length, 1);
  return Array.from({length: count}, (_, index) => {
    const detail: unknown = test.failureDetails[index];
    const jestText = test.failureMessages[index];
    if (isLeakFailureDetail(detail)) {
      const {program, summary, leaks} = detail.pmmLeak;
      // Made anew from its data, the text keeps the hook the leak came from, as Jest's message says it.
      const hook = HOOK_CONTEXT.exec(detail.message)?.[0] ?? '';
      const text = [`${hook}${formatLeakMessage(leaks, summary, program)}`, ...callSiteLines(detail)].join('\n');
      return {element: 'failure', type: 'MemoryLeak', message: `${hook}${formatAmount(summary)} leaked`, text};
    }
    if (isGrowthDetail(detail)) return {element: 'failure', type: 'MemoryGrowth', message: detail.message, text: detail.stack};
    if (isMismatchDetail(detail)) return {element: 'failure', type: 'MismatchedFree', message: detail.message, text: detail.stack};
    if (isExitStatusDetail(detail)) return {element: 'failure', type: 'ExitStatus', message: detail.message, text: detail.stack};
    const fault = faultData(detail);
    const text = jestText ?? messageOf(detail) ?? 'failed';
    if (fault !== null) return {element: 'error', type: FAULT_TYPES[fault.kind], message: firstLine(messageOf(detail) ?? text), text};
    // pmm refused the run (a program the hook cannot enter, a bad option): no assertion failed, the test could not run.
    // Its message as pmm's words start, "pmm: ...", without Jest's "ProgramError: " before them.
    if (PMM_REFUSAL.test(stripAnsi(text))) return {element: 'error', type: 'PmmError', message: firstLine(text).replace(/^\w*Error: (?=pmm: )/, ''), text};
    return {element: 'failure', type: 'AssertionError', message: firstLine(text), text};
  });
}

/**
 * The stack lines of the test's pmm.run call that end a leak's stack (the environment's withCallSite), as
 * the other problems' texts end: the leak's text is made anew from its data, which has none.
 */
function callSiteLines(detail: {stack?: unknown}): string[] {
  return typeof detail.stack === 'string' ? detail.stack.split('\n').filter(line => /^\s+at /.test(line)) : [];
}

export function caseOutcome(test: TestCaseResult): CaseOutcome {
  const leaks = test.failureDetails.filter(isLeakFailureDetail);
  const faults = test.failureDetails.map(faultData).filter((f): f is NonNullable<typeof f> => f !== null);
  const properties: JunitProperty[] = [];
  if (leaks.length > 0 || faults.length > 0) {
    // Leak details count every run's leaks once; a fault's own summary only stands in when none is there
    // (its run's leaks were expected with toLeak, or it was a VM failure with nothing known).
    const summaries = leaks.length > 0 ? leaks.map(leak => leak.pmmLeak.summary) : faults.map(fault => fault.summary);
    const sum = (key: 'bytes' | 'blocks'): string => String(summaries.reduce((total, summary) => total + summary[key], 0));
    properties.push({$: {name: 'pmm.leaked.bytes', value: sum('bytes')}}, {$: {name: 'pmm.leaked.blocks', value: sum('blocks')}});
  }
  if (faults.length > 0) properties.push({$: {name: 'pmm.fault', value: faults[0].kind}});
  if (test.status !== 'failed') return {properties};
  const all = problems(test);
  // An error outranks a failure: a crash is what the reader must see first, whatever else went wrong.
  const lead = all.find(p => p.element === 'error') ?? all[0];
  const others = all.length - 1;
  // Named: a bare "(and 1 more)" after "50 bytes in 1 block leaked" read as one more block.
  const problem: JunitProblem = {
    $: {message: xmlText(others > 0 ? `${lead.message} (and ${others} more ${others === 1 ? 'problem' : 'problems'})` : lead.message), type: lead.type},
    _: xmlText([lead, ...all.filter(p => p !== lead)].map(p => p.text).join('\n\n')),
  };
  return lead.element === 'error' ? {error: [problem], properties} : {failure: [problem], properties};
}

function messageOf(detail: unknown): string | null {
  if (typeof detail !== 'object' || detail === null) return null;
  const {stack, message} = detail as {stack?: unknown; message?: unknown};
  if (typeof message === 'string' && message !== '') return message;
  return typeof stack === 'string' && stack !== '' ? stack : null;
}

/** The first line with text in it, for the message attribute; the element's content keeps the rest. */
export function firstLine(text: string): string {
  return stripAnsi(text).split('\n').map(line => line.trim()).find(line => line !== '') ?? '';
}
