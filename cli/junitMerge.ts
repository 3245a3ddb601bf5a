// `pmm junit-merge OUT.xml IN.xml...`: merges the JUnit reports of a sharded run into OUT.xml and prints
// the merged totals. The merging itself is pure (reporters/mergeJunit.ts).
import * as fs from 'fs';
import * as path from 'path';
import {isUnmergedReport, JunitMergeError, mergeJunit} from '../reporters/mergeJunit';
import {DEFAULT_OPTIONS} from '../reporters/constants';

export const JUNIT_MERGE_USAGE = 'usage: pmm junit-merge OUT.xml IN.xml [IN.xml...]';

export async function junitMergeCommand(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    process.stdout.write(`${JUNIT_MERGE_USAGE}\n`);
    return 0;
  }
  const [out, ...inputs] = argv;
  const dashed = argv.find(arg => arg.startsWith('-'));
  if (dashed !== undefined) {
    // It takes no options: a file named so is ./-x.xml, standard output /dev/stdout.
    const meant = dashed === '-' ? '/dev/stdout for standard output' : `./${dashed} for a file of that name`;
    process.stderr.write(`pmm junit-merge: ${dashed} is no option it takes (give ${meant})\n${JUNIT_MERGE_USAGE}\n`);
    return 2;
  }
  if (out === undefined || inputs.length === 0) {
    process.stderr.write(`pmm junit-merge: give the output file, then one or more reports\n${JUNIT_MERGE_USAGE}\n`);
    return 2;
  }
  try {
    const reports = inputs.map(file => {
      if (!fs.existsSync(file)) throw new JunitMergeError(`${file} does not exist`);
      try {
        return [file, fs.readFileSync(file, 'utf8')] as const;
      } catch (error) {
        // A folder (EISDIR), a file this user cannot read: said as the rest, not as pmm's own failure.
        throw new JunitMergeError(`cannot read ${file}: ${(error as Error).message}`);
      }
    });
    refuseToOverwriteReport(out, inputs);
    const xml = await mergeJunit(reports, DEFAULT_OPTIONS.suiteName);
    try {
      fs.mkdirSync(path.dirname(path.resolve(out)), {recursive: true});
      fs.writeFileSync(out, xml);
    } catch (error) {
      throw new JunitMergeError(`cannot write ${out}: ${(error as Error).message}`);
    }
    const totals = /<testsuites [^>]*tests="(\d+)" failures="(\d+)" errors="(\d+)"/.exec(xml);
    // On stderr: the output may be /dev/stdout, where this line went into the XML.
    process.stderr.write(`pmm junit-merge: ${inputs.length} reports, ${totals?.[1]} tests, ${totals?.[2]} failures, ${totals?.[3]} errors: ${out}\n`);
    return 0;
  } catch (error) {
    if (error instanceof OverwriteRefused) {
      process.stderr.write(`pmm junit-merge: ${error.message}\n${JUNIT_MERGE_USAGE}\n`);
      return 2;
    }
    if (!(error instanceof JunitMergeError)) throw error;
    process.stderr.write(`pmm junit-merge: ${error.message}\n`);
    return 1;
  }
}

class OverwriteRefused extends Error {}

/**
 * An output that is a report junit-merge did not write, and not one of the inputs, is most likely a shard's
 * taken for the output by a glob (`pmm junit-merge shards/*.xml`): overwriting it would lose that shard's
 * results from the merge and from the disk. A report merged before, or an output that is also an input (a
 * merge into one of the reports), is overwritten as asked.
 */
function refuseToOverwriteReport(out: string, inputs: readonly string[]): void {
  let existing: fs.Stats;
  try {
    existing = fs.statSync(out);
  } catch {
    return;
  }
  if (!existing.isFile()) return;
  const sameFile = (file: string): boolean => {
    const input = fs.statSync(file);
    return input.dev === existing.dev && input.ino === existing.ino;
  };
  if (inputs.some(sameFile)) return;
  if (isUnmergedReport(fs.readFileSync(out, 'utf8'))) {
    throw new OverwriteRefused(`${out} is a JUnit report that junit-merge did not write (a shard's, from a glob such as shards/*.xml?), and not one of the reports to merge: it would be overwritten and its results lost. Give the merged file's name first, or remove ${out}`);
  }
}
