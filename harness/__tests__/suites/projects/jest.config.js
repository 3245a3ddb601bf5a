// Two projects that run the same file with different options, for projects.vm.test.ts: each project's
// test case in the JUnit report must carry its own run's figures, and say which project it is.
const path = require('path');

const project = (displayName, program) => ({
  displayName,
  rootDir: __dirname,
  testEnvironment: 'pmm',
  testMatch: ['<rootDir>/*.test.js'],
  testTimeout: 120000,
  testEnvironmentOptions: { pmm: { env: { PMM_SUITE_PROGRAM: program } } },
});

module.exports = {
  rootDir: __dirname,
  projects: [project('leaky', 'leak_three_blocks'), project('clean', 'clean_exit')],
  reporters: ['default', ['jest-environment-pmm/junit', { outputFile: path.join(__dirname, 'junit.xml') }]],
};
