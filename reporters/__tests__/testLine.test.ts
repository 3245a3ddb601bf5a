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
].join('\n');

test.each([
  [[], 'clean_exit frees everything', 2],
  [['server'], 'answers', 5],
  [['server', 'under load'], 'answers', 7],
  [[], 'answers', 5], // top-level title also used inside a block: the first literal, as good as it gets
  [[], 'case 1', null], // a generated title is not in the source
  [[], 'missing', null],
  [[], 'a (regexp) [title]?', null],
])('in %j, "%s" starts on line %s', (ancestors, title, line) => {
  expect(testLine(SOURCE, ancestors, title)).toBe(line);
});
