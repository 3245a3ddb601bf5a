// `jest-environment-pmm/junit`: the JUnit reporter as the module itself, the form Jest's `reporters` loads.
// Kept in the declarations: they name Node's types (Buffer, streams), which a project whose tsconfig lists
// its "types" (TypeScript 6 on lists none by default) would not otherwise load.
/// <reference types="node" preserve="true" />

import JunitReporter from './JunitReporter';

export = JunitReporter;
