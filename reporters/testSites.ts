// Pure: where a test file defines its tests, read from its syntax tree (Babel's parser, which reads both
// JavaScript and TypeScript): each test() or it() call, in any of Jest's forms (xit, test.only, it.each...),
// with the titles of the describe blocks around it.

import {parse, type ParserPlugin} from '@babel/parser';
import type {CallExpression, Expression, Node} from '@babel/types';

/**
 * A title as the source gives it: a string, or for a .each form's title with placeholders (`%s`, `$name`)
 * a pattern of the titles its rows get; null when only the running test knows it (a variable, a `${}`).
 */
export type SourceTitle = string | RegExp | null;

export interface TestSite {
  /** The titles of the describe blocks the call is in, outermost first. */
  describes: SourceTitle[];
  title: SourceTitle;
  /** 1-based: the line Jest gives with testLocationInResults (the end of the callee, where the call opens). */
  line: number;
  /** A .each form, or in one's describe: one call, as many tests as rows, which may share a title. */
  repeats: boolean;
}

const DESCRIBE_NAMES: ReadonlySet<string> = new Set(['describe', 'fdescribe', 'xdescribe']);
const TEST_NAMES: ReadonlySet<string> = new Set(['test', 'it', 'fit', 'xit', 'xtest']);
/** What may follow the name: test.only, it.concurrent.skip, test.failing... (and .each, last, with its table). */
const MODIFIERS: ReadonlySet<string> = new Set(['only', 'skip', 'concurrent', 'failing', 'todo']);
/**
 * What jest-each puts a row's values in for: printf's placeholders (%s %d %p %# ..., and Jest 30's %$) and
 * $name, $name.path, $# of the object and tagged-template tables; %% is a percent sign (kept by some forms).
 */
const EACH_PLACEHOLDER = /%%|%[#$Odfijops]|\$#|\$\w[\w.]*/g;

/**
 * Every test call in the file in source order, or null when the file does not parse: its tests then have
 * no line. fileName picks the syntax (TypeScript by its extension, else JavaScript with JSX or Flow).
 */
export function testSites(source: string, fileName: string): TestSite[] | null {
  const ast = parseTestFile(source, fileName);
  if (ast === null) return null;
  const sites: TestSite[] = [];
  visit(ast, {titles: [], repeats: false}, sites);
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

/** The describe blocks around a call: their titles, and whether one is a describe.each's. */
interface Blocks {
  titles: SourceTitle[];
  repeats: boolean;
}

/** Walks the tree; a describe call's arguments are walked with its title added to the blocks. */
function visit(node: Node, blocks: Blocks, sites: TestSite[]): void {
  if (node.type === 'CallExpression') {
    const callee = jestCallee(node);
    if (callee !== null && TEST_NAMES.has(callee.name)) {
      const line = node.callee.loc?.end.line ?? 0;
      sites.push({describes: blocks.titles, title: titleOf(node, callee.each), line, repeats: blocks.repeats || callee.each});
      return;
    }
    if (callee !== null && DESCRIBE_NAMES.has(callee.name)) {
      const inner = {titles: [...blocks.titles, titleOf(node, callee.each)], repeats: blocks.repeats || callee.each};
      for (const argument of node.arguments) visit(argument, inner, sites);
      return;
    }
  }
  for (const child of children(node)) visit(child, blocks, sites);
}

/**
 * The Jest function a call is (describe, xit...; each: its .each form, whose table came in the call or
 * the tagged template before this one), else null.
 */
function jestCallee(call: CallExpression): {name: string; each: boolean} | null {
  let callee: Node = call.callee;
  let each = false;
  if (callee.type === 'CallExpression' || callee.type === 'TaggedTemplateExpression') {
    const table = callee.type === 'CallExpression' ? callee.callee : callee.tag;
    if (table.type !== 'MemberExpression' || table.computed || table.property.type !== 'Identifier' || table.property.name !== 'each') return null;
    callee = table.object;
    each = true;
  }
  while (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' && MODIFIERS.has(callee.property.name)) {
    callee = callee.object;
  }
  return callee.type === 'Identifier' ? {name: callee.name, each} : null;
}

function titleOf(call: CallExpression, each: boolean): SourceTitle {
  const first = call.arguments[0] as Expression | undefined;
  let title: string | null = null;
  if (first?.type === 'StringLiteral') title = first.value;
  else if (first?.type === 'TemplateLiteral' && first.expressions.length === 0) title = first.quasis[0].value.cooked ?? null;
  return title !== null && each ? eachTitle(title) : title;
}

/** A .each title: the pattern of its rows' titles, each placeholder standing for any text. */
function eachTitle(title: string): string | RegExp {
  const parts = title.split(EACH_PLACEHOLDER);
  if (parts.length === 1) return title;
  const placeholders = title.match(EACH_PLACEHOLDER) ?? [];
  const pattern = parts.map(escapeRegExp).reduce((whole, part, i) => whole + (placeholders[i - 1] === '%%' ? '%%?' : '[\\s\\S]*') + part);
  return new RegExp(`^${pattern}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
