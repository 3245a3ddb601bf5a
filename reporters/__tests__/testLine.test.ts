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
  [[], 'case 1', 11], // a .each row's title: its call's line (had none)
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

// The forms users write, and the line Jest 29 and Jest 30 both give each of their tests with
// testLocationInResults on (a run of this very source): a .each call's rows share the line of its call.
const FORMS = [
  "test('works', () => {});", // 1
  "describe('x', () => {", // 2
  "  test('works', () => {});", // 3
  "  xit('skipped x', () => {});", // 4
  "  fit('focused', () => {});", // 5
  "  xtest('skipped t', () => {});", // 6
  "  it.skip('dot skip', () => {});", // 7
  "  test.only('dot only', () => {});", // 8
  '  it.each([', // 9
  '    [1, 2],', // 10
  '    [3, 4],', // 11
  "  ])('adds %i and %i', (a, b) => {});", // 12
  '  test.each`', // 13
  '    a    | b', // 14
  '    ${1} | ${2}', // 15
  "  `('tagged $a + $b', () => {});", // 16
  "  test.todo('a todo');", // 17
  "  it.concurrent.skip('conc skip', async () => {});", // 18
  "  test.skip.each([[1]])('skip each %s', () => {});", // 19
  '});', // 20
  "describe.each([['A'], ['B']])('group %s', (g) => {", // 21
  "  test('inside', () => {});", // 22
  '});', // 23
  "xdescribe('xd', () => { it('in xd', () => {}); });", // 24
  "fdescribe('fd', () => { it('in fd', () => {}); });", // 25
  "describe.skip('ds', () => { it('in ds', () => {}); });", // 26
  "test('works', () => {});", // 27
].join('\n');

test.each([
  [[], 'works', 0, 1],
  [['x'], 'works', 0, 3],
  [['x'], 'skipped x', 0, 4],
  [['x'], 'focused', 0, 5],
  [['x'], 'skipped t', 0, 6],
  [['x'], 'dot skip', 0, 7],
  [['x'], 'dot only', 0, 8],
  [['x'], 'adds 1 and 2', 0, 12],
  [['x'], 'adds 3 and 4', 0, 12],
  [['x'], 'tagged 1 + 2', 0, 16],
  [['x'], 'a todo', 0, 17],
  [['x'], 'conc skip', 0, 18],
  [['x'], 'skip each 1', 0, 19],
  [['group A'], 'inside', 0, 22],
  [['group B'], 'inside', 0, 22],
  [['xd'], 'in xd', 0, 24],
  [['fd'], 'in fd', 0, 25],
  [['ds'], 'in ds', 0, 26],
  [[], 'works', 1, 27],
])('Jest\'s forms: in %j, "%s" (occurrence %s) starts on line %s, as Jest says (xit, fit, xtest and .each had none)', (ancestors, title, occurrence, line) => {
  expect(testLine(sitesOf(FORMS), ancestors, title, occurrence)).toBe(line);
});

describe('.each titles', () => {
  const source = [
    "test.each([{name: 'a'}, {name: 'b'}])('object $name', () => {});", // 1
    "test.each([[2], [2]])('same %d', () => {});", // 2
    "it.each([[1], [2]])('no placeholder', () => {});", // 3
    "test.each([[5]])('100%% of %s', () => {});", // 4
    "describe.each([[1], [2]])('block', () => {", // 5
    "  test('per row', () => {});", // 6
    '});', // 7
    "test('same 1', () => {});", // 8
    "test.concurrent.only.each([[1]])('$# %$ %p', async () => {});", // 9
  ].join('\n');
  test.each([
    ['an object table\'s $name', [], 'object b', 0, 1],
    ['rows of one title: every occurrence', [], 'no placeholder', 1, 3],
    ['%% is a percent sign', [], '100% of 5', 0, 4],
    ['a describe.each without placeholders: its blocks share a title', ['block'], 'per row', 1, 6],
    ['a title written out wins over a pattern that fits it', [], 'same 1', 0, 8],
    ['a pattern fits its rows, every occurrence', [], 'same 2', 1, 2],
    ['$#, %$ and %p', [], '0 1 1', 0, 9],
  ])('%s', (_what, ancestors, title, occurrence, line) => {
    expect(testLine(sitesOf(source), ancestors as string[], title as string, occurrence as number)).toBe(line);
  });

  test('a title no pattern fits, or in another block, has no line', () => {
    const sites = sitesOf(source);
    expect([testLine(sites, [], 'objects a'), testLine(sites, ['other'], 'per row')]).toEqual([null, null]);
  });
});
