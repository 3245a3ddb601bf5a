// A suite of verdicts, run by verdicts.vm.test.ts in a child Jest: options from the docblock, concurrent
// tests, runs in beforeAll/afterAll, growth mode and mismatched releases.
const fs = require('fs');
const path = require('path');

// A folder outside /tmp, shared writable by the "shares" option (the host's root is read-only in the guest).
const shared = path.join(__dirname, '..', '..', '..', '..', 'build', 'pmm-shared-test');
fs.mkdirSync(shared, { recursive: true });

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'pmm',
  testMatch: ['<rootDir>/*.test.js'],
  testTimeout: 120000,
  testEnvironmentOptions: { pmm: { memoryMiB: 1024, shares: [shared] } },
  reporters: ['default', ['jest-environment-pmm/junit', { outputFile: path.join(__dirname, 'junit.xml') }]],
};
