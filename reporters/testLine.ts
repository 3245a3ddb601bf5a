// Pure: the line a test starts on in its file. Jest gives it when testLocationInResults is on; a reporter
// cannot turn that on (Jest freezes its global config before reporters exist), so otherwise the test's title
// is looked up in the file's source as the string literal passed to test(), it() or one of their forms,
// read as JavaScript reads it (its escapes decoded: 'it\'s', "say \"hi\"", '\u00e9').

const SIMPLE_ESCAPES: Record<string, string> = {n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0'};

/**
 * The value of the string literal whose opening quote is at source[at], or null when it is not one a title
 * can be read from (unterminated, or a template literal with a `${}`, whose value only the test knows).
 */
function literalValue(source: string, at: number): string | null {
  const quote = source[at];
  let value = '';
  for (let i = at + 1; i < source.length; i++) {
    const ch = source[i];
    if (ch === quote) return value;
    if (quote === '`' && ch === '$' && source[i + 1] === '{') return null;
    if ((ch === '\n' || ch === '\r') && quote !== '`') return null;
    if (ch !== '\\') {
      value += ch;
      continue;
    }
    const next = source[++i];
    if (next === undefined) return null;
    if (next in SIMPLE_ESCAPES) value += SIMPLE_ESCAPES[next];
    else if (next === '\n') continue; // a line continuation adds nothing
    else if (next === '\r') i += source[i + 1] === '\n' ? 1 : 0;
    else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(source.slice(i + 1, i + 3))) {
      value += String.fromCharCode(parseInt(source.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (next === 'u' && source[i + 1] === '{') {
      const close = source.indexOf('}', i);
      if (close < 0) return null;
      value += String.fromCodePoint(parseInt(source.slice(i + 2, close), 16));
      i = close;
    } else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 1, i + 5))) {
      value += String.fromCharCode(parseInt(source.slice(i + 1, i + 5), 16));
      i += 4;
    } else value += next; // \' \" \\ \` and any other character stand for themselves
  }
  return null;
}

/** The 1-based line of the first call named by `callee` whose first argument is the literal `title`, at or after `from`. */
function literalLine(source: string, callee: string, title: string, from: number): {line: number; index: number} | null {
  const pattern = new RegExp(`\\b${callee}(?:\\.\\w+)*\\(\\s*(?=['"\`])`, 'g');
  pattern.lastIndex = from;
  for (let match = pattern.exec(source); match !== null; match = pattern.exec(source)) {
    if (literalValue(source, match.index + match[0].length) === title) {
      return {line: source.slice(0, match.index).split('\n').length, index: match.index};
    }
  }
  return null;
}

/**
 * The line of the test titled `title` inside the describe blocks `ancestors`, or null when the title is not a
 * literal in the source (a generated title, test.each's %s). Describe blocks narrow the search in order, so
 * two tests with one title in different blocks get their own lines; occurrence tells apart two in one block.
 */
export function testLine(source: string, ancestors: readonly string[], title: string, occurrence = 0): number | null {
  let from = 0;
  for (const block of ancestors) {
    const found = literalLine(source, 'describe', block, from);
    if (found !== null) from = found.index;
  }
  // The occurrence-th test of that title there (0: the first): a title given twice has two lines.
  let found = literalLine(source, '(?:test|it)', title, from);
  for (let n = 0; n < occurrence && found !== null; n++) found = literalLine(source, '(?:test|it)', title, found.index + 1);
  return found?.line ?? null;
}
