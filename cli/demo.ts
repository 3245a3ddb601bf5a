// `npm run demo`: runs the example suite under `jest --env pmm` and checks that it showed what it should:
// the clean program's test passes, the leaking program's test fails with its leak, and a JUnit report exists.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../qemu/paths';

interface JestJson {
  testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>;
}

function main(): number {
  const root = packageRoot();
  const report = path.join(root, 'reports', 'demo-junit.xml');
  // Beside the JUnit report and kept, as Jest's own line says where it wrote it ("Test results written to").
  const summaryFile = path.join(root, 'reports', 'demo-jest.json');
  fs.rmSync(report, { force: true });
  fs.rmSync(summaryFile, { force: true });
  const jest = spawnSync(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--config', path.join(root, 'examples', 'jest.config.js'), '--env', 'pmm',
      '--json', '--outputFile', summaryFile],
    { cwd: root, stdio: 'inherit' },
  );
  if (jest.error) throw jest.error;

  const problems: string[] = [];
  let results: JestJson | null = null;
  try {
    results = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as JestJson;
  } catch {
    problems.push('Jest wrote no results');
  }
  const tests = results?.testResults.flatMap((r) => r.assertionResults) ?? [];
  const clean = tests.find((t) => t.title.startsWith('clean_exit'));
  const leaky = tests.find((t) => t.title.startsWith('leak_three_blocks'));
  if (clean?.status !== 'passed') problems.push(`the clean program's test did not pass (${clean?.status ?? 'missing'})`);
  if (leaky?.status !== 'failed') problems.push(`the leaking program's test did not fail (${leaky?.status ?? 'missing'})`);
  else if (!leaky.failureMessages.some((m) => /600 bytes in 3 blocks leaked/.test(m))) {
    problems.push("the leaking program's test failed, but not with its 600-byte leak");
  }
  const xml = fs.existsSync(report) ? fs.readFileSync(report, 'utf8') : '';
  if (!xml.includes('type="MemoryLeak"')) problems.push(`no leak in the JUnit report ${report}`);

  console.log('');
  if (problems.length > 0) {
    console.log(`pmm demo: FAILED\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  console.log('pmm demo: as expected, the clean program passed and the leaking one failed with its stacks.');
  console.log(`pmm demo: JUnit report: ${report}`);
  return 0;
}

process.exit(main());
