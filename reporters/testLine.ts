// Pure: the line a test starts on in its file. Jest gives it when testLocationInResults is on; a reporter
// cannot turn that on (Jest freezes its global config before reporters exist), so otherwise the test's title
// is looked up in the file's source as the string literal passed to test(), it() or one of their forms.

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The 1-based line of the first `title` literal passed to a call named by `callee`, at or after `from`. */
function literalLine(source: string, callee: string, title: string, from: number): {line: number; index: number} | null {
  const quoted = ["'", '"', '`'].map(q => `${q}${escapeRegExp(title)}${q}`).join('|');
  const pattern = new RegExp(`\\b${callee}(?:\\.\\w+)*\\(\\s*(?:${quoted})`, 'g');
  pattern.lastIndex = from;
  const match = pattern.exec(source);
  if (match === null) return null;
  return {line: source.slice(0, match.index).split('\n').length, index: match.index};
}

/**
 * The line of the test titled `title` inside the describe blocks `ancestors`, or null when the title is not a
 * literal in the source (a generated title, test.each's %s). Describe blocks narrow the search in order, so
 * two tests with one title in different blocks get their own lines.
 */
export function testLine(source: string, ancestors: readonly string[], title: string): number | null {
  let from = 0;
  for (const block of ancestors) {
    const found = literalLine(source, 'describe', block, from);
    if (found !== null) from = found.index;
  }
  return literalLine(source, '(?:test|it)', title, from)?.line ?? null;
}
