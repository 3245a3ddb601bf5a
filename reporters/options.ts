// Merges and checks the JUnit reporter's options; throws a message that names the bad option.

import {DEFAULT_OPTIONS, ENVIRONMENT_OPTIONS, type JunitReporterOptions} from './constants';
import { shownValue } from '../harness/shownValue';

export function resolveJunitOptions(reporterOptions: unknown, env: NodeJS.ProcessEnv = process.env): JunitReporterOptions {
  if (reporterOptions !== undefined && (typeof reporterOptions !== 'object' || reporterOptions === null || Array.isArray(reporterOptions))) {
    throw new TypeError(`jest-environment-pmm/junit: options must be an object, got ${shownValue(reporterOptions)}`);
  }
  const given = (reporterOptions ?? {}) as Record<string, unknown>;
  const known = Object.keys(DEFAULT_OPTIONS);
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) {
      throw new TypeError(`jest-environment-pmm/junit: unknown option "${key}" (known: ${known.join(', ')})`);
    }
  }
  const merged: Record<string, unknown> = {...DEFAULT_OPTIONS, ...given};
  for (const [variable, key] of Object.entries(ENVIRONMENT_OPTIONS)) {
    const value = env[variable];
    if (value !== undefined && value !== '') merged[key] = typeof DEFAULT_OPTIONS[key] === 'boolean' ? booleanVariable(variable, value) : value;
  }
  for (const key of known) {
    const wanted = typeof DEFAULT_OPTIONS[key as keyof JunitReporterOptions];
    if (wanted === 'boolean' && typeof merged[key] !== 'boolean') {
      throw new TypeError(`jest-environment-pmm/junit: option "${key}" must be true or false, got ${shownValue(merged[key])}`);
    }
    if (wanted === 'string' && typeof merged[key] !== 'string') {
      throw new TypeError(`jest-environment-pmm/junit: option "${key}" must be a string, got ${shownValue(merged[key])}`);
    }
  }
  if (merged.outputFile === '') throw new TypeError('jest-environment-pmm/junit: option "outputFile" must not be empty');
  return merged as unknown as JunitReporterOptions;
}

function booleanVariable(variable: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new TypeError(`jest-environment-pmm/junit: ${variable} must be true, false, 1 or 0, got ${shownValue(value)}`);
}
