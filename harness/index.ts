// jest-environment-pmm: `testEnvironment: 'pmm'` loads this module's default export.
// Kept in the declarations: they name Node's types (Buffer, streams), which a project whose tsconfig lists
// its "types" (TypeScript 6 on lists none by default) would not otherwise load.
/// <reference types="node" preserve="true" />
import PmmEnvironment from './PmmEnvironment';

export = PmmEnvironment;
