// The package's types as a user's project sees them: typedProject/'s tests are type-checked in a project
// whose node_modules holds jest-environment-pmm as an install does (package.json, whose exports and
// typesVersions decide what resolves, and dist/'s declarations), under the module resolutions TypeScript
// users have: node10 (what "module": "commonjs" gives) and node16, with test and expect from @types/jest's
// globals or from @jest/globals. Needs dist/ built (npm test's set-up does it).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const root = path.join(__dirname, '..', '..');
const fixtures = path.join(__dirname, 'typedProject');

let project: string;

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-typed-project-'));
  const modules = path.join(project, 'node_modules');
  fs.mkdirSync(modules);
  // The project's own dependencies (jest, @types/jest, @jest/globals...) are this checkout's.
  for (const name of fs.readdirSync(path.join(root, 'node_modules'))) {
    if (!name.startsWith('.')) fs.symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name));
  }
  // A copy, not a link to this checkout: through a link, the declarations would find the checkout's own
  // node_modules (its expect, say), where an installed package finds the project's.
  const installed = path.join(modules, 'jest-environment-pmm');
  fs.mkdirSync(installed);
  fs.copyFileSync(path.join(root, 'package.json'), path.join(installed, 'package.json'));
  fs.cpSync(path.join(root, 'dist'), path.join(installed, 'dist'), { recursive: true, filter: (src) => fs.statSync(src).isDirectory() || src.endsWith('.d.ts') });
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'uses-pmm', private: true }));
  for (const file of fs.readdirSync(fixtures)) fs.copyFileSync(path.join(fixtures, file), path.join(project, file));
});

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

const resolutions: Record<string, ts.CompilerOptions> = {
  node10: { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 },
  node16: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
};

/** tsc --noEmit on one file of the project, under strict: its errors, as tsc prints them. */
function typeErrors(file: string, options: ts.CompilerOptions): string[] {
  const program = ts.createProgram([path.join(project, file)], { target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, ...options });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${path.relative(project, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe.each(Object.keys(resolutions))('under moduleResolution %s', (resolution) => {
  test("a test with @types/jest's globals type-checks: pmm, its runs and options, the result's fields, the matchers, the public types, the package's entry points", () => {
    // A tsconfig without "types" sees every @types package, @types/jest's globals among them.
    expect(typeErrors('globalStyle.ts', resolutions[resolution])).toEqual([]);
  });

  test('a test with the test and expect of @jest/globals, without @types/jest, type-checks: the matchers are on the expect module\'s Matchers', () => {
    expect(typeErrors('importStyle.ts', { ...resolutions[resolution], types: ['node'] })).toEqual([]);
  });
});

test('under TypeScript 7, whose "types" list none by default, with "types": ["jest"] as its hint says: the package\'s declarations find Node\'s', () => {
  // Before, each declaration that names a Buffer, a stream or NodeJS was an error in the user's project (TS2591).
  // A test that takes the package's types from its globals entry alone, as the README shows.
  fs.writeFileSync(
    path.join(project, 'globalsOnly.ts'),
    [
      "import type {} from 'jest-environment-pmm/globals';",
      "import type { RunOptions, RunResult } from 'jest-environment-pmm/globals';",
      "test('runs', async () => {",
      "  const options: RunOptions = { input: 'a', growth: {} };",
      "  const result: RunResult = await pmm.run('./build/x', [], options);",
      '  expect(result).toHaveNoLeaks();',
      '});',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(project, 'tsconfig.types-jest.json'),
    JSON.stringify({ compilerOptions: { module: 'commonjs', target: 'es2022', strict: true, noEmit: true, types: ['jest'] }, files: ['globalsOnly.ts'] }),
  );
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript7', 'bin', 'tsc'), '-p', 'tsconfig.types-jest.json'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
}, 130_000);
