// pmm's copies of the core modules: a spy made after pmm loaded does not reach them, and pmm's host side
// (harness/, qemu/, symbolizer/) takes its core modules from them alone.
// The module object itself, as a test's require('fs') has it (import * would give a copy of getters).
import fs = require('fs');
import { builtinModules } from 'module';
import * as path from 'path';
import * as core from '../coreModules';

afterEach(() => jest.restoreAllMocks());

test("a spy on the module, made after the copy, is not the copy's", () => {
  const realExists = fs.existsSync;
  jest.spyOn(fs, 'existsSync').mockReturnValue(false);
  expect(core.fs.existsSync).toBe(realExists);
  expect(core.fs.existsSync(__filename)).toBe(true);
});

test('the copies are frozen: nothing can replace what pmm calls', () => {
  for (const copy of Object.values(core)) expect(Object.isFrozen(copy)).toBe(true);
  const spawn = core.childProcess.spawn;
  expect(() => {
    (core.childProcess as { spawn: unknown }).spawn = () => undefined;
  }).toThrow(TypeError);
  expect(core.childProcess.spawn).toBe(spawn);
});

const ROOT = path.join(__dirname, '..', '..');

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__tests__' ? [] : sourcesUnder(relative);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

test("pmm's host side imports no core module's values but through coreModules.ts", () => {
  const names = builtinModules.map((name) => name.replace(/[/]/g, '\\/')).join('|');
  // A value import (not `import type`) or a require of a core module, with or without node:.
  const direct = new RegExp(`^import (?!type )[^;]*from '(node:)?(${names})';|require\\('(node:)?(${names})'\\)`, 'm');
  const offenders = ['harness', 'qemu', 'symbolizer']
    .flatMap(sourcesUnder)
    .filter((file) => file !== path.join('harness', 'coreModules.ts'))
    .filter((file) => direct.test(fs.readFileSync(path.join(ROOT, file), 'utf8')));
  expect(offenders).toEqual([]);
});
