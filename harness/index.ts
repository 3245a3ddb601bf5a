// jest-environment-pmm: `testEnvironment: 'pmm'` loads this module's default export.
import PmmEnvironment from './PmmEnvironment';

export = PmmEnvironment;
