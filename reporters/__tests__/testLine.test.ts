import {testLine} from '../testLine';

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
  [[], 'answers', 5], // top-level title also used inside a block: the first literal, as good as it gets
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
  expect(testLine(SOURCE, ancestors, title)).toBe(line);
});

test('a title given twice in one block: each occurrence its own line (both took the first)', () => {
  expect([0, 1, 2].map((occurrence) => testLine(SOURCE, [], 'twice', occurrence))).toEqual([18, 19, null]);
});
