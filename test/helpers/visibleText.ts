// The text a renderer source can put on screen, for tests that read what a user reads: a Vue
// file's template text, interpolated and bound strings and visible attributes (title,
// placeholder, aria-label…), and the string literals of its script and of TypeScript modules —
// never comments, import paths or type-level strings. Parsed with Vue's own SFC parser and the
// TypeScript compiler, so quotes inside comments or regular expressions cannot confuse it.
import ts from 'typescript';
import { parse as parseSfc } from 'vue/compiler-sfc';

export interface SourceString {
  file: string;
  /** 1-based line of the string in the file */
  line: number;
  text: string;
}

/** Static attributes whose value is shown to a user (or read to them). */
const VISIBLE_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'alt', 'label', 'aria-description', 'summary']);
/** Directives whose expressions decide what shows, not what is shown. */
const LOGIC_DIRECTIVES = new Set(['if', 'else-if', 'for', 'on', 'model', 'show', 'slot']);

/** Every string literal of a script (template literals' static parts too), with its line. */
export function scriptStrings(code: string, file: string, firstLine = 1): SourceString[] {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, /\.m?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const out: SourceString[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isLiteralTypeNode(node) || ts.isImportTypeNode(node)) return;
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) return;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      if (node.text.trim()) out.push({ file, line: firstLine + line, text: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

interface TemplateNode {
  type: number;
  content?: unknown;
  loc: { start: { line: number } };
  children?: TemplateNode[];
  props?: { type: number; name: string; value?: { content: string }; exp?: { content: string; loc: { start: { line: number } } }; loc: { start: { line: number } } }[];
}

/** What a Vue single-file component can show: its template's words and strings, and its script's strings. */
export function vueStrings(code: string, file: string): SourceString[] {
  const { descriptor, errors } = parseSfc(code, { filename: file });
  if (errors.length) throw new Error(`${file}: ${errors.map((e) => (e as Error).message ?? String(e)).join('; ')}`);
  const out: SourceString[] = [];
  for (const block of [descriptor.script, descriptor.scriptSetup]) {
    if (block) out.push(...scriptStrings(block.content, file, block.loc.start.line));
  }
  const expression = (exp: string, line: number) => out.push(...scriptStrings(`(${exp})`, file, line));
  const walk = (node: TemplateNode): void => {
    // 2 text, 3 comment, 5 interpolation, 1 element (Vue's NodeTypes)
    if (node.type === 2 && typeof node.content === 'string' && node.content.trim()) out.push({ file, line: node.loc.start.line, text: node.content.trim() });
    if (node.type === 5) {
      const inner = node.content as { content?: string } | undefined;
      if (inner?.content) expression(inner.content, node.loc.start.line);
    }
    for (const prop of node.props ?? []) {
      if (prop.type === 6 && prop.value && VISIBLE_ATTRIBUTES.has(prop.name)) out.push({ file, line: prop.loc.start.line, text: prop.value.content });
      if (prop.type === 7 && prop.exp && !LOGIC_DIRECTIVES.has(prop.name)) expression(prop.exp.content, prop.exp.loc.start.line);
    }
    for (const child of node.children ?? []) walk(child);
  };
  const ast = descriptor.template?.ast as TemplateNode | undefined;
  if (ast) walk(ast);
  return out;
}

/** The codes of papers/SPEC.md a newcomer cannot read: V4, M8, P3 (standalone), "experiment 7", "exp 4". */
export const SPEC_CODE_PATTERNS: readonly RegExp[] = [/\b[VMP][1-9]\b/g, /\b[Ee]xperiments? [0-9]+/g, /\b[Ee]xp\.? ?[0-9]+\b/g];

/** The SPEC codes in a text, in order. */
export function specCodesIn(text: string): string[] {
  return SPEC_CODE_PATTERNS.flatMap((p) => [...text.matchAll(p)].map((m) => m[0]));
}

/**
 * Whether a string of a built bundle can be text on screen (words or typography, with a space),
 * rather than an SVG path ("M1 2L3 4"), an identifier or a key of a library.
 */
export function looksLikeProse(text: string): boolean {
  if (!/\s/.test(text)) return false;
  if (/^[\s\d.,eE+-]*[MmLlHhVvCcSsQqTtAaZz][\s\dMmLlHhVvCcSsQqTtAaZz.,eE+-]*$/.test(text)) return false; // path data
  // a word, or typography no identifier has ("P1 ·")
  return /[A-Za-z]{3,}/.test(text) || /[·—–…→]/.test(text);
}
