// The demo suite, configured as a user's project would be: pmm's environment and its JUnit reporter.
const path = require('path');

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'pmm',
  testMatch: ['<rootDir>/*.test.js'],
  reporters: [
    'default',
    ['jest-environment-pmm/junit', { outputFile: path.join(__dirname, '..', 'reports', 'demo-junit.xml') }],
  ],
};
