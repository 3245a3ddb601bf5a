// A suite of verdicts, run by verdicts.vm.test.ts in a child Jest: options from the docblock, concurrent
// tests, runs in beforeAll/afterAll, and growth mode.
const path = require('path');

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'pmm',
  testMatch: ['<rootDir>/*.test.js'],
  testTimeout: 120000,
  testEnvironmentOptions: { pmm: { memoryMiB: 1024 } },
  reporters: ['default', ['jest-environment-pmm/junit', { outputFile: path.join(__dirname, 'junit.xml') }]],
};
