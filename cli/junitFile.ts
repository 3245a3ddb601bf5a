// The file `pmm run --junit FILE` writes, never left empty: a CI job reads it whatever became of the run.
// From the moment it is made it holds a report that says the run has no result (what a SIGKILL of pmm, or a
// failure of pmm's own that ends it at once, leaves there); the run's report, or pmm's error, replaces it.
import * as fs from 'fs';
import { errorJunit, type RunWithoutResult } from './junitReport';
import { openOutputFile, writeAll, type OutputFile } from './logFile';

const ENDED_EARLY = 'pmm was ended before it had one (SIGKILL, or a failure of its own)';

export class JunitFile {
  private readonly file: OutputFile;
  /** A regular file of pmm's own: its report can be written again from the start. */
  private readonly rewritable: boolean;
  private written = false;

  /** Makes (or empties) file, as --log-file's, so that one pmm cannot write is said before the run. */
  constructor(file: string, private readonly run: RunWithoutResult) {
    this.file = openOutputFile(file, 'JUnit report');
    // A pipe or a terminal takes one report, at the end. (pmm's own stdout or stderr as a file, which the
    // program's output shares, is refused before: checkReportNotOwnStream.)
    this.rewritable = !this.file.ownStream && fs.fstatSync(this.file.fd).isFile();
    this.noResultYet(ENDED_EARLY);
  }

  /** What the file says until the run's report comes (why, should pmm be ended first): a regular file's only. */
  noResultYet(why: string): void {
    if (this.rewritable && !this.written) this.put(errorJunit(this.run, new Error(`pmm: the run has no result: ${why}`), Date.now()));
  }

  /** The run's report; the first report written stays. */
  write(xml: string): void {
    if (this.written) return;
    this.written = true;
    this.put(xml);
  }

  /** What ended the run before it had a result, as its report. Sync: it is called from a signal's handler too. */
  fail(err: unknown): void {
    this.write(errorJunit(this.run, err, Date.now()));
  }

  close(): void {
    this.file.close();
  }

  private put(xml: string): void {
    if (!this.rewritable) return writeAll(this.file.fd, xml);
    // Over the report there, then cut to length: a pmm ended in between leaves text, never an empty file.
    const bytes = Buffer.from(xml);
    for (let at = 0; at < bytes.length;) at += fs.writeSync(this.file.fd, bytes, at, bytes.length - at, at);
    fs.ftruncateSync(this.file.fd, bytes.length);
  }
}
