// `pmm junit-merge OUT.xml IN.xml...`: merges the JUnit reports of a sharded run into OUT.xml and prints
// the merged totals. The merging itself is pure (reporters/mergeJunit.ts).
import * as fs from 'fs';
import * as path from 'path';
import {JunitMergeError, mergeJunit} from '../reporters/mergeJunit';
import {DEFAULT_OPTIONS} from '../reporters/constants';

export const JUNIT_MERGE_USAGE = 'usage: pmm junit-merge OUT.xml IN.xml [IN.xml...]';

export async function junitMergeCommand(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    process.stdout.write(`${JUNIT_MERGE_USAGE}\n`);
    return 0;
  }
  const [out, ...inputs] = argv;
  if (out === undefined || inputs.length === 0 || argv.some(arg => arg.startsWith('-'))) {
    process.stderr.write(`pmm junit-merge: give the output file, then one or more reports\n${JUNIT_MERGE_USAGE}\n`);
    return 2;
  }
  try {
    const reports = inputs.map(file => {
      if (!fs.existsSync(file)) throw new JunitMergeError(`${file} does not exist`);
      return [file, fs.readFileSync(file, 'utf8')] as const;
    });
    const xml = await mergeJunit(reports, DEFAULT_OPTIONS.suiteName);
    fs.mkdirSync(path.dirname(path.resolve(out)), {recursive: true});
    fs.writeFileSync(out, xml);
    const totals = /<testsuites [^>]*tests="(\d+)" failures="(\d+)" errors="(\d+)"/.exec(xml);
    process.stdout.write(`pmm junit-merge: ${inputs.length} reports, ${totals?.[1]} tests, ${totals?.[2]} failures, ${totals?.[3]} errors: ${out}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof JunitMergeError)) throw error;
    process.stderr.write(`pmm junit-merge: ${error.message}\n`);
    return 1;
  }
}
