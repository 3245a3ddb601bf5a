// pmm's own tests: "unit" runs on the host in plain Node; "vm" runs under pmm's own environment, in the VM.
const tsJest = ['ts-jest', {}];
const sourceFolders = '<rootDir>/{harness,qemu,reporters,symbolizer,cli,hooklib,pmd,kernel,fixtures,scripts,bench}';

module.exports = {
  // Runs of large programs under TCG (valgrind's comparison, child Jests) take tens of seconds.
  testTimeout: 120_000,
  reporters: ['default', ['jest-environment-pmm/junit', { outputFile: 'reports/pmm-junit.xml' }]],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: [`${sourceFolders}/**/__tests__/**/*.test.ts`],
      testPathIgnorePatterns: ['\\.vm\\.test\\.ts$', '/node_modules/', '/dist/'],
    },
    {
      displayName: 'vm',
      testEnvironment: 'pmm',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: [`${sourceFolders}/**/__tests__/**/*.vm.test.ts`],
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    },
  ],
};
