// Jest's default test timeout (5 s) made short, for preboot.vm.test.ts: shorter than a boot under TCG,
// so that a test that paid the boot would time out.
const path = require('path');

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'pmm',
  testMatch: ['<rootDir>/*.test.js'],
  testTimeout: 1000,
  reporters: ['default', ['jest-environment-pmm/junit', { outputFile: path.join(__dirname, 'junit.xml') }]],
};
