import type { Circus } from '@jest/types';
import { AttributionError, concurrentTest, testId } from '../attribution';

function block(name: string, parent?: Circus.DescribeBlock): Circus.DescribeBlock {
  const made = { type: 'describeBlock', name, parent, children: [] } as unknown as Circus.DescribeBlock;
  parent?.children.push(made);
  return made;
}

function test_(name: string, parent: Circus.DescribeBlock, concurrent = true): Circus.TestEntry {
  const made = { type: 'test', name, parent, concurrent } as unknown as Circus.TestEntry;
  parent.children.push(made);
  return made;
}

const root = block('ROOT_DESCRIBE_BLOCK');
const outer = block('server', root);
const inner = block('under load', outer);
const a = test_('answers', inner);
const b = test_('answers', outer);
const plain = test_('plain', root, false);
test_('twin', root);
test_('twin', root);

test.each([
  [a, 'server under load answers'],
  [b, 'server answers'],
  [plain, 'plain'],
])('the id of a test is its describe titles and its own, as jest-circus makes it', (entry, id) => {
  expect(testId(entry)).toBe(id);
});

test('a concurrent test is found by its id, even where another block has a test of that name', () => {
  expect(concurrentTest(root, 'server under load answers')).toBe(a);
  expect(concurrentTest(root, 'server answers')).toBe(b);
});

test.each([
  ['twin', /2 concurrent tests have that name; give them distinct names/],
  ['plain', /which pmm cannot find/],
])('"%s" is refused with a clear message', (id, message) => {
  expect(() => concurrentTest(root, id)).toThrow(AttributionError);
  expect(() => concurrentTest(root, id)).toThrow(message);
});
