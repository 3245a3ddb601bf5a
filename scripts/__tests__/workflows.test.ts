// The GitHub Actions workflows: the one the README gives users to copy and this repository's own. GitHub
// refuses a file that is not YAML: the README's once had `${{ }}` inside flow mappings ({ key: a-${{ x }} }),
// which no YAML parser takes.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

const root = path.join(__dirname, '..', '..');

/** The README's workflow: the yaml block after "### GitHub Actions". */
function readmeWorkflow(): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### GitHub Actions'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error('no yaml block under "### GitHub Actions" in README.md');
  return block[1];
}

interface Workflow {
  jobs: Record<string, { steps: Array<{ run?: string; uses?: string; with?: Record<string, unknown>; env?: Record<string, string> }> }>;
}

test("the README's workflow is YAML, runs pmm's setup and Jest by shard, and merges and annotates the shards' reports", () => {
  const workflow = parse(readmeWorkflow()) as Workflow;
  const steps = workflow.jobs.test.steps;
  expect(steps.some((step) => step.run?.includes('npx --no-install pmm setup'))).toBe(true);
  const jest = steps.find((step) => step.run?.startsWith('npx jest --shard'))!;
  expect(jest.env?.PMM_JUNIT_OUTPUT_FILE).toBe('reports/junit-${{ matrix.shard }}.xml');
  // A shard that wrote no report fails its job, rather than the merge report the other shard's alone.
  const upload = steps.find((step) => step.uses?.startsWith('actions/upload-artifact'))!;
  expect(upload.with?.['if-no-files-found']).toBe('error');
  const report = workflow.jobs.report.steps;
  expect(report.some((step) => step.run?.includes('pmm junit-merge reports/junit.xml shards/*.xml'))).toBe(true);
  const annotate = report.find((step) => step.uses?.startsWith('mikepenz/action-junit-report'))!;
  expect(annotate.with?.annotate_only).toMatch(/head\.repo\.full_name != github\.repository/);
});

test("this repository's own workflow is YAML", () => {
  const workflow = parse(fs.readFileSync(path.join(root, '.github', 'workflows', 'pmm.yml'), 'utf8')) as Workflow;
  expect(Object.keys(workflow.jobs)).toEqual(['test', 'report']);
});

// Before, the key was the set-up script's alone: after a runner image update, every run fetched the new
// guest kernel under the old key (never saved again), and the checkpatch download (linux-source) was not
// cached at all.
test.each([
  ["this repository's own workflow", () => fs.readFileSync(path.join(root, '.github', 'workflows', 'pmm.yml'), 'utf8'), ['~/.cache/pmm/kernel', '~/.cache/pmm/checkpatch']],
  ["the README's workflow", readmeWorkflow, ['~/.cache/pmm/kernel']],
])("%s caches what set-up fetches, keyed by the runner's kernel headers", (_name, text, paths) => {
  const steps = (parse(text()) as Workflow).jobs.test.steps;
  const headers = steps.findIndex((step) => step.run?.includes('/usr/src/linux-headers-*'));
  const cache = steps.findIndex((step) => step.uses?.startsWith('actions/cache'));
  expect(headers).toBeGreaterThanOrEqual(0);
  expect(cache).toBeGreaterThan(headers);
  expect(String(steps[cache].with?.path).trim().split('\n')).toEqual(paths);
  expect(steps[cache].with?.key).toContain('${{ steps.headers.outputs.hash }}');
});
