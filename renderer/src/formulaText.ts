// The glossary's formulas as readable text without a maths library: a TeX-like markup of
// subscripts and superscripts — p_k, p^T, Σ_{c≠k}, 10^{−12} — parsed into a small tree that
// components/FormulaText.vue draws with <sub> and <sup>. A marker takes the next character, or a
// braced group (groups nest); anything else is text as written.

export type FormulaNode = string | { kind: 'sub' | 'sup'; children: FormulaNode[] };

/** Parses the markup; unbalanced braces are kept as text rather than refused. */
export function parseFormula(source: string): FormulaNode[] {
  let i = 0;
  const chars = Array.from(source);

  function group(closing: boolean): FormulaNode[] {
    const out: FormulaNode[] = [];
    let text = '';
    const flush = () => {
      if (text) out.push(text);
      text = '';
    };
    while (i < chars.length) {
      const ch = chars[i]!;
      if (closing && ch === '}') {
        i++;
        flush();
        return out;
      }
      if ((ch === '_' || ch === '^') && i + 1 < chars.length && chars[i + 1] !== ' ') {
        flush();
        const kind = ch === '_' ? 'sub' : 'sup';
        i++;
        if (chars[i] === '{' && hasClosing(i)) {
          i++;
          out.push({ kind, children: group(true) });
        } else {
          // one character, with any combining marks that follow it (ḡ is g + U+0304)
          let one = chars[i++]!;
          while (i < chars.length && /\p{M}/u.test(chars[i]!)) one += chars[i++];
          out.push({ kind, children: [one] });
        }
        continue;
      }
      text += ch;
      i++;
    }
    flush();
    return out;
  }

  /** Whether the brace at `open` has its closing brace. */
  function hasClosing(open: number): boolean {
    let depth = 0;
    for (let j = open; j < chars.length; j++) {
      if (chars[j] === '{') depth++;
      else if (chars[j] === '}' && --depth === 0) return true;
    }
    return false;
  }

  return group(false);
}

/** The formula as plain text, markers dropped: what a reader sees, for tests and tooltips' titles. */
export function formulaPlainText(source: string): string {
  const flat = (nodes: FormulaNode[]): string => nodes.map((n) => (typeof n === 'string' ? n : flat(n.children))).join('');
  return flat(parseFormula(source));
}
