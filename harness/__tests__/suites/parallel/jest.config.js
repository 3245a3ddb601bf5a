// Two files, for parallel.vm.test.ts: `-w 2` gives each its own worker and VM; `--shard i/2` one each.
const path = require('path');

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'pmm',
  testMatch: ['<rootDir>/*.test.js'],
  testTimeout: 120000,
  reporters: ['default', ['jest-environment-pmm/junit', { outputFile: path.join(__dirname, 'junit.xml') }]],
};
