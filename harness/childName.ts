// How pmm names a forked child in its messages, the Jest run's and the CLI's alike.
import type { ChildResult } from './types';

/**
 * "forked child 115 (/usr/bin/ls)": its pid, and the file it ran last. A run that starts a script or a
 * make gets many children, and a pid alone does not tell the user which of their programs leaked.
 */
export function forkedChildName(child: Pick<ChildResult, 'pid' | 'program'>): string {
  return child.program === null ? `forked child ${child.pid}` : `forked child ${child.pid} (${child.program})`;
}
