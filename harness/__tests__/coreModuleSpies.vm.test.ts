// A test's jest.spyOn on fs, child_process, net, os, path, readline or crypto (the same objects in the test
// and in its environment: Jest sandboxes no core module) must not reach what pmm does on the host, in a
// child Jest on suites/spies: each run's leak is reported, and no mock is called.
import * as fs from 'fs';
import { runChildJest, type ChildJest } from './childJest';

let run: ChildJest;

beforeAll(async () => {
  run = await runChildJest('spies', ['-w', '1']);
}, 180_000);

afterAll(() => fs.rmSync(run.tmpdir, { recursive: true, force: true }));

const LEAK = /600 bytes in 3 blocks leaked by .*leak_three_blocks/;

test.each(['fs.existsSync mocked to return false', 'fs.readFileSync mocked to return {}', 'child_process.spawn mocked to throw'])(
  'a test whose %s still gets its leak reported',
  (title) => {
    const [test] = run.tests.filter((t) => t.title === title);
    expect(test?.status).toBe('failed');
    const message = test.failureMessages.join('\n');
    expect(message).toMatch(LEAK);
    expect(message).not.toMatch(/mocked|cannot find the jest-environment-pmm package/);
  },
);

test.each(['fs', 'child_process', 'net', 'os', 'path', 'readline', 'crypto'])(
  'a test that mocks every function of %s to throw still gets its leak reported',
  (name) => {
    const [test] = run.tests.filter((t) => t.title === `every function of ${name} mocked to throw`);
    expect(test?.status).toBe('failed');
    expect(test.failureMessages.join('\n')).toMatch(LEAK);
    expect(test.failureMessages.join('\n')).not.toContain('mocked it');
  },
);

test('spies made as the file loads reach neither the boot (QEMU, its sockets, its folders) nor the run', () => {
  const boot = run.files.find((f) => f.name === 'boot.test.js');
  expect(boot?.tests.map((t) => t.status)).toEqual(['failed']);
  const message = boot!.tests[0].failureMessages.join('\n');
  expect(message).toMatch(LEAK);
  expect(message).not.toContain('mocked it');
  expect(run.stderr.match(/pmm: booting the guest VM/g)).toHaveLength(2);
});
