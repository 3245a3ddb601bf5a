// Pure: where a test file defines its tests, read from its syntax tree (Babel's parser, which reads both
// JavaScript and TypeScript): each test() or it() call with the titles of the describe blocks around it.

import {parse, type ParserPlugin} from '@babel/parser';
import type {CallExpression, Expression, Node} from '@babel/types';

/** A title as the source gives it; null when only the running test knows it (a variable, a `${}`). */
export type SourceTitle = string | null;

export interface TestSite {
  /** The titles of the describe blocks the call is in, outermost first. */
  describes: SourceTitle[];
  title: SourceTitle;
  /** 1-based: the line Jest gives with testLocationInResults (the end of the callee, where the call opens). */
  line: number;
}

const DESCRIBE_NAMES: ReadonlySet<string> = new Set(['describe']);
const TEST_NAMES: ReadonlySet<string> = new Set(['test', 'it']);
/** What may follow the name: test.only, it.concurrent.skip, test.failing... */
const MODIFIERS: ReadonlySet<string> = new Set(['only', 'skip', 'concurrent', 'failing', 'todo']);

/**
 * Every test call in the file in source order, or null when the file does not parse: its tests then have
 * no line. fileName picks the syntax (TypeScript by its extension, else JavaScript with JSX or Flow).
 */
export function testSites(source: string, fileName: string): TestSite[] | null {
  const ast = parseTestFile(source, fileName);
  if (ast === null) return null;
  const sites: TestSite[] = [];
  visit(ast, [], sites);
  return sites;
}

function parseTestFile(source: string, fileName: string): Node | null {
  const typescript = /\.[cm]?tsx?$/.test(fileName);
  const jsx: ParserPlugin[] = /\.[cm]?ts$/.test(fileName) ? [] : ['jsx']; // .ts reads `<T>x` as a cast, not JSX
  const attempts: ParserPlugin[][] = typescript ? [['typescript', ...jsx]] : [jsx, [...jsx, 'flow']];
  for (const plugins of attempts) {
    try {
      return parse(source, {
        sourceType: 'unambiguous',
        allowReturnOutsideFunction: true,
        allowAwaitOutsideFunction: true,
        errorRecovery: true,
        plugins: [...plugins, 'decorators-legacy'],
      });
    } catch {
      // Not this syntax: the next attempt's, or none.
    }
  }
  return null;
}

/** Walks the tree; a describe call's arguments are walked with its title added to the blocks. */
function visit(node: Node, describes: SourceTitle[], sites: TestSite[]): void {
  if (node.type === 'CallExpression') {
    const name = calleeName(node);
    if (name !== null && TEST_NAMES.has(name)) {
      sites.push({describes, title: titleOf(node), line: node.callee.loc?.end.line ?? 0});
      return;
    }
    if (name !== null && DESCRIBE_NAMES.has(name)) {
      const inner = [...describes, titleOf(node)];
      for (const argument of node.arguments) visit(argument, inner, sites);
      return;
    }
  }
  for (const child of children(node)) visit(child, describes, sites);
}

/** describe, test or it when the call is one of theirs (with its modifiers), else null. */
function calleeName(call: CallExpression): string | null {
  let callee: Node = call.callee;
  while (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' && MODIFIERS.has(callee.property.name)) {
    callee = callee.object;
  }
  return callee.type === 'Identifier' ? callee.name : null;
}

function titleOf(call: CallExpression): SourceTitle {
  const first = call.arguments[0] as Expression | undefined;
  if (first?.type === 'StringLiteral') return first.value;
  if (first?.type === 'TemplateLiteral' && first.expressions.length === 0) return first.quasis[0].value.cooked ?? null;
  return null;
}

const NOT_CHILDREN: ReadonlySet<string> = new Set(['loc', 'leadingComments', 'trailingComments', 'innerComments', 'extra', 'tokens', 'comments']);

function* children(node: Node): Generator<Node> {
  for (const [key, value] of Object.entries(node)) {
    if (NOT_CHILDREN.has(key)) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== null && typeof item === 'object' && typeof (item as {type?: unknown}).type === 'string') yield item as Node;
    }
  }
}
