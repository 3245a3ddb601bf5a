import {testLine} from '../testLine';
import {testSites, type TestSite} from '../testSites';

/** The file's test calls; a source that does not parse fails the test here, not as a missing line. */
function sitesOf(source: string, fileName = 'lines.test.js'): TestSite[] {
  const sites = testSites(source, fileName);
  if (sites === null) throw new Error(`${fileName} did not parse`);
  return sites;
}

const SOURCE = [
  "const path = require('path');", // 1
  "test('clean_exit frees everything', async () => {", // 2
  '});', // 3
  "describe('server', () => {", // 4
  '  it("answers", async () => {});', // 5
  "  describe('under load', () => {", // 6
  '    test.concurrent(`answers`, async () => {});', // 7
  '  });', // 8
  '});', // 9
  "it('answers', () => {});", // 10
  "test.each([[1]])('case %s', () => {});", // 11
  "test('it\\'s escaped', () => {});", // 12
  'test("say \\"hi\\"", () => {});', // 13
  "test('inner \\u00e9 \\x41 \\u{1F600}', () => {});", // 14
  "test('backslash \\\\ path', () => {});", // 15
  'test(`a ${name}`, () => {});', // 16
  "test('a (regexp) [title]?', () => {});", // 17
  "test('twice', () => {});", // 18
  "test('twice', () => {});", // 19
].join('\n');

test.each([
  [[], 'clean_exit frees everything', 2],
  [['server'], 'answers', 5],
  [['server', 'under load'], 'answers', 7],
  [[], 'answers', 10], // the same title inside blocks is other tests' (it took line 5)
  [[], 'case 1', null], // a generated title is not in the source
  [[], 'missing', null],
  [[], 'a (regexp) [title]?', 17],
  // Escapes in the literal are read as JavaScript reads them.
  [[], "it's escaped", 12],
  [[], 'say "hi"', 13],
  [[], 'inner \u00e9 A \u{1F600}', 14],
  [[], 'backslash \\ path', 15],
  [[], 'a ${name}', null], // a template with a substitution: only the test knows its title
])('in %j, "%s" starts on line %s', (ancestors, title, line) => {
  expect(testLine(sitesOf(SOURCE), ancestors, title)).toBe(line);
});

test('a title given twice in one block: each occurrence its own line (both took the first)', () => {
  expect([0, 1, 2].map((occurrence) => testLine(sitesOf(SOURCE), [], 'twice', occurrence))).toEqual([18, 19, null]);
});

describe('a title that repeats at another nesting level is another test (each took the first literal of its title)', () => {
  test.each([
    ['top level first', "test('works', () => {});\ndescribe('x', () => {\n  test('works', () => {});\n});", [1, 3]],
    ['block first', "describe('x', () => {\n  test('works', () => {});\n});\ntest('works', () => {});", [4, 2]],
  ])('%s', (_order, source, [topLevel, inBlock]) => {
    const sites = sitesOf(source);
    expect([testLine(sites, [], 'works'), testLine(sites, ['x'], 'works')]).toEqual([topLevel, inBlock]);
  });

  test('a block of the same title nested in another is a block of its own', () => {
    const source = [
      "describe('outer', () => {", // 1
      "  describe('inner', () => {", // 2
      "    it('works', () => {});", // 3
      '  });', // 4
      "  it('works', () => {});", // 5
      '});', // 6
      "describe('inner', () => {", // 7
      "  it('works', () => {});", // 8
      '});', // 9
    ].join('\n');
    const sites = sitesOf(source);
    expect([testLine(sites, ['outer', 'inner'], 'works'), testLine(sites, ['outer'], 'works'), testLine(sites, ['inner'], 'works')]).toEqual([3, 5, 8]);
  });

  test('a test in a later block of the same title is that block\'s second test (occurrence)', () => {
    const source = "describe('x', () => {\n  test('works', () => {});\n});\ndescribe('x', () => {\n  test('works', () => {});\n});";
    const sites = sitesOf(source);
    expect([testLine(sites, ['x'], 'works', 0), testLine(sites, ['x'], 'works', 1)]).toEqual([2, 5]);
  });

  test('a block whose title only Jest knows still holds its tests, after any whose blocks are written out', () => {
    const source = "describe(Basket.name, () => {\n  test('works', () => {});\n});\ndescribe('x', () => {\n  test('works', () => {});\n});";
    const sites = sitesOf(source);
    expect([testLine(sites, ['Basket'], 'works'), testLine(sites, ['x'], 'works')]).toEqual([2, 5]);
  });
});

test('TypeScript and JSX test files parse; one that does not parse has no lines', () => {
  const typescript = "const size = <number>(input as unknown);\ndescribe('typed', () => {\n  it('works', async (): Promise<void> => {});\n});";
  expect(testLine(sitesOf(typescript, 'typed.test.ts'), ['typed'], 'works')).toBe(3);
  const jsx = "test('renders', () => {\n  render(<Basket items={[]} />);\n});";
  expect(testLine(sitesOf(jsx, 'view.test.jsx'), [], 'renders')).toBe(1);
  expect(testLine(sitesOf(jsx, 'view.test.tsx'), [], 'renders')).toBe(1);
  expect(testSites('test(\'broken\', () => {', 'broken.test.js')).toBeNull();
});
