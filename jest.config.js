// pmm's own tests: "unit" runs on the host in plain Node; "vm" runs under pmm's own environment, in the VM.
const tsJest = ['ts-jest', {}];
const sourceFolders = '<rootDir>/{harness,qemu,reporters,symbolizer,cli,hooklib,pmd,kernel,fixtures}';

module.exports = {
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
