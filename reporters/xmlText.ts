// Makes any text safe for an XML 1.0 document: drops terminal colour codes (Jest colours its failure
// messages) and the characters XML 1.0 forbids, which would otherwise make xml2js throw or CI parsers fail.

// Escape sequences a terminal would interpret: CSI (colours, cursor moves), OSC (titles, links) and the
// two-character escapes; C1's single-byte CSI too.
const ANSI_SEQUENCES = new RegExp(
  [
    '\\u001b\\[[0-?]*[ -/]*[@-~]',
    '\\u001b\\][^\\u0007\\u001b]*(?:\\u0007|\\u001b\\\\)',
    '\\u001b[@-Z\\\\-_]',
    '\\u009b[0-?]*[ -/]*[@-~]',
  ].join('|'),
  'g',
);

// XML 1.0 allows #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]; with the u flag a
// lone surrogate is one code point outside these ranges, so it goes too.
const FORBIDDEN_IN_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_SEQUENCES, '');
}

export function xmlText(text: string): string {
  return stripAnsi(text).replace(FORBIDDEN_IN_XML, '');
}
