// A suite run by message.vm.test.ts in a child Jest 29 and 30, with and without --noStackTrace: failures
// whose reports have several groups and C++ frames, which Jest must show whole.
const path = require('path');

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'pmm',
  testMatch: ['<rootDir>/*.test.js'],
  testTimeout: 120000,
  reporters: ['default', ['jest-environment-pmm/junit', { outputFile: path.join(__dirname, 'junit.xml') }]],
};
