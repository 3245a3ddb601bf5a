// How long `pmm run` and `pmm exec` let the program run: as long as it takes, as without pmm (valgrind
// has no limit either), unless --timeout or PMM_RUN_TIMEOUT_MS says otherwise. The Jest environment's
// default of a minute (the runTimeoutMs option) is for tests, not for a command run by hand.
import { resolveOptions } from '../harness/options';

/** Milliseconds, 0 for none: --timeout's, else PMM_RUN_TIMEOUT_MS's (checked as the option is). */
export function runTimeoutMs(flag: number | null, environment: NodeJS.ProcessEnv = process.env): number {
  if (flag !== null) return flag;
  const variable = environment.PMM_RUN_TIMEOUT_MS;
  if (variable === undefined || variable === '') return 0;
  return resolveOptions({}, { PMM_RUN_TIMEOUT_MS: variable }).runTimeoutMs;
}
