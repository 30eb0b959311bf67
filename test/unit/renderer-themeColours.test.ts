// Every colour the renderer's components paint comes from the theme: styles.css defines each as a
// variable for the light and the dark theme, and a colour written into a component's <style> or a
// template's inline style stays the same in both (a white box on the dark page, dark text on a
// dark panel). This scans every .vue file's style blocks and its template's style attributes, and
// styles.css outside its variable definitions, and lists each hard-coded colour as file:line. A
// line may keep one only with a comment saying why: `theme-ok: <reason>`.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const RENDERER = path.resolve('renderer', 'src');
const STYLES = path.join(RENDERER, 'styles.css');

/** CSS colour names a stylesheet might reach for (not transparent, currentColor or inherit: those follow the theme). */
const NAMED = ['white', 'black', 'red', 'green', 'blue', 'gray', 'grey', 'orange', 'yellow', 'purple', 'pink', 'brown', 'navy', 'silver', 'maroon', 'teal', 'olive', 'lime', 'aqua', 'fuchsia', 'gold', 'crimson', 'whitesmoke', 'ghostwhite', 'snow', 'ivory', 'beige', 'tomato', 'salmon', 'coral', 'darkgray', 'darkgrey', 'lightgray', 'lightgrey', 'gainsboro', 'dimgray', 'dimgrey', 'slategray', 'slategrey'];
const COLOUR = new RegExp(`#[0-9a-f]{3,8}\\b|\\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\\(|\\b(?:${NAMED.join('|')})\\b`, 'gi');

interface Offence {
  line: number;
  colour: string;
  text: string;
}

/** Colours in CSS declaration values (not selectors, property names or comments), with their 1-based lines. */
function cssColours(css: string, firstLine = 1, { allowCustomProperties = false } = {}): Offence[] {
  const out: Offence[] = [];
  // comments blanked, newlines kept so lines still count
  const code = css.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
  const source = css.split('\n');
  const allowed = new Set(source.flatMap((l, i) => (l.includes('theme-ok:') ? [i] : [])));
  // a declaration: property ':' value, ended by ';' or '}' (values may span lines)
  const declaration = /([-\w]+)\s*:\s*([^;{}]*)[;}]/g;
  for (const m of code.matchAll(declaration)) {
    const [, property, value] = m as unknown as [string, string, string];
    if (allowCustomProperties && property.startsWith('--')) continue;
    const valueStart = m.index! + m[0].indexOf(value, property.length);
    for (const c of value.matchAll(COLOUR)) {
      const at = valueStart + c.index!;
      const line = code.slice(0, at).split('\n').length - 1;
      if (allowed.has(line)) continue;
      out.push({ line: firstLine + line, colour: c[0], text: (source[line] ?? '').trim() });
    }
  }
  return out;
}

/** Colours in a .vue file: its <style> blocks and its template's style / :style attributes. */
function vueColours(source: string): Offence[] {
  const out: Offence[] = [];
  const lineAt = (offset: number) => source.slice(0, offset).split('\n').length;
  for (const m of source.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/g)) {
    const bodyAt = m.index! + m[0].indexOf('>') + 1;
    out.push(...cssColours(m[1]!, lineAt(bodyAt)));
  }
  const template = /<template>([\s\S]*)<\/template>/.exec(source);
  if (template) {
    const templateAt = template.index + '<template>'.length;
    for (const a of template[1]!.matchAll(/\s:?style=("[^"]*"|'[^']*')/g)) {
      const at = templateAt + a.index!;
      const value = a[1]!.slice(1, -1);
      for (const c of value.matchAll(COLOUR)) {
        const line = lineAt(at + a[0].indexOf(value) + c.index!);
        const text = source.split('\n')[line - 1]!;
        if (!text.includes('theme-ok:')) out.push({ line, colour: c[0], text: text.trim() });
      }
    }
  }
  return out;
}

function vueFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? vueFiles(path.join(dir, e.name)) : e.name.endsWith('.vue') ? [path.join(dir, e.name)] : []))
    .sort();
}

const listed = (file: string, offences: Offence[]) => offences.map((o) => `${path.relative(process.cwd(), file)}:${o.line}: ${o.colour} in “${o.text}”`);

describe('the colour scanner', () => {
  it('finds colours in style values and inline styles, not in selectors, property names, variables or comments', () => {
    const vue = [
      '<template>',
      '  <div style="color: #fff" :style="{ background: \'rgba(0, 0, 0, 0.2)\' }" class="white">white text</div>',
      '  <span :style="{ background: tint(v) }">x</span>',
      '</template>',
      '<style scoped>',
      '/* #abc and white in a comment */',
      '#app .white,',
      '.a { white-space: nowrap; color: var(--text); border: 1px solid transparent; }',
      '.b {',
      '  background: #fafbfc;',
      '  box-shadow: 0 2px 4px rgba(0, 0, 0, 0.2), inset 0 0 0 1px var(--border);',
      '  outline: 1px solid white;',
      '  color: #111; /* theme-ok: drawn on the always-dark bar */',
      '}',
      '</style>',
    ].join('\n');
    expect(vueColours(vue).map((o) => `${o.line}:${o.colour}`)).toEqual(['10:#fafbfc', '11:rgba(', '12:white', '2:#fff', '2:rgba(']);
    expect(cssColours(':root {\n  --bg: light-dark(#fff, #000);\n}\nbody { color: #222; }', 1, { allowCustomProperties: true }).map((o) => `${o.line}:${o.colour}`)).toEqual(['4:#222']);
  });
});

describe('no component paints a colour of its own', () => {
  for (const file of vueFiles(RENDERER)) {
    it(path.relative(RENDERER, file), () => {
      expect(listed(file, vueColours(fs.readFileSync(file, 'utf8')))).toEqual([]);
    });
  }

  it('styles.css writes colours only into its theme variables', () => {
    expect(listed(STYLES, cssColours(fs.readFileSync(STYLES, 'utf8'), 1, { allowCustomProperties: true }))).toEqual([]);
  });

  it('styles.css defines every theme variable the components use', () => {
    const css = fs.readFileSync(STYLES, 'utf8');
    const defined = new Set([...css.matchAll(/^\s*(--[\w-]+)\s*:/gm)].map((m) => m[1]!));
    const used = new Map<string, string>();
    for (const file of [...vueFiles(RENDERER), STYLES]) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/var\((--[\w-]+)/g)) if (!used.has(m[1]!)) used.set(m[1]!, path.relative(RENDERER, file));
    }
    // variables set inline by a component (a legend mark's --c) are its own
    const inline = new Set(['--c']);
    const missing = [...used].filter(([name]) => !defined.has(name) && !inline.has(name)).map(([name, file]) => `${name} (used in ${file})`);
    expect(missing).toEqual([]);
  });
});
