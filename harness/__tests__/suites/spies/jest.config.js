// A suite run by a child Jest (coreModuleSpies.vm.test.ts): tests that spy on Node's core modules, which
// Jest shares between a test file and its environment, while pmm runs a leaking program.
const path = require('path');

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'pmm',
  testMatch: ['<rootDir>/*.test.js'],
  testTimeout: 120000,
  reporters: ['default', ['jest-environment-pmm/junit', { outputFile: path.join(__dirname, 'junit.xml') }]],
};
