// Jest's projects: two that run the same file with different options (suites/projects). Their figures
// went to the JUnit reporter under the file's path alone, so one project's case carried the other's.
import * as fs from 'fs';
import { junitSchemaErrors } from '../../reporters/__tests__/validateJunit';
import { runChildJest, type ChildJest } from './childJest';

let run: ChildJest;
beforeAll(async () => {
  run = await runChildJest('projects', ['-w', '1']);
}, 180_000);
afterAll(() => fs.rmSync(run.tmpdir, { recursive: true, force: true }));

/** The <testsuite> element of the report whose name is that. */
function suiteNamed(name: string): string {
  const start = run.junit.indexOf(`<testsuite name="${name}"`);
  if (start < 0) throw new Error(`no <testsuite name="${name}"> in:\n${run.junit}`);
  return run.junit.slice(start, run.junit.indexOf('</testsuite>', start));
}

test('both projects ran the file and passed', () => {
  expect(run.tests.map((t) => t.status)).toEqual(['passed', 'passed']);
  expect(run.status).toBe(0);
});

test("each project's case carries its own run's figures, under a suite named by the project", () => {
  expect(junitSchemaErrors(run.junit)).toBeNull();
  const leaky = suiteNamed('leaky › same.test.js');
  expect(leaky).toContain('<property name="pmm.leaked.bytes" value="600"/>');
  expect(leaky).toContain('<property name="pmm.leaked.blocks" value="3"/>');
  const clean = suiteNamed('clean › same.test.js');
  expect(clean).toContain('<property name="pmm.leaked.bytes" value="0"/>');
  expect(clean).toContain('<property name="pmm.leaked.blocks" value="0"/>');
});
