// `jest-environment-pmm/junit`: the JUnit reporter as the module itself, the form Jest's `reporters` loads.

import JunitReporter from './JunitReporter';

export = JunitReporter;
