// No code of papers/SPEC.md (V4, M8, P3, "experiment 7", "exp 4") in what the app shows: every
// renderer source's visible text — Vue templates, their bound strings and visible attributes, and
// every string literal of the renderer's modules — is scanned, one test per file so a failure
// names the file, line and text; then the built bundle (out/renderer), where whatever reaches the
// screen ends up. Comments may cite SPEC codes: they are for developers.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { looksLikeProse, scriptStrings, specCodesIn, vueStrings, type SourceString } from '../helpers/visibleText.js';

const RENDERER = path.resolve('renderer', 'src');
const BUNDLE = path.resolve('out', 'renderer', 'assets');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : /\.(vue|ts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path.join(dir, e.name)] : []));
}

function visibleStrings(file: string): SourceString[] {
  const code = fs.readFileSync(file, 'utf8');
  return file.endsWith('.vue') ? vueStrings(code, file) : scriptStrings(code, file);
}

const offences = (strings: readonly SourceString[]) =>
  strings.flatMap((s) => {
    const codes = specCodesIn(s.text);
    return codes.length ? [`${path.relative(process.cwd(), s.file)}:${s.line}: ${codes.join(', ')} in “${s.text.replace(/\s+/g, ' ').slice(0, 160)}”`] : [];
  });

describe('the scanner', () => {
  it('finds codes in template text, bound strings, titles and script strings, and ignores comments and ids', () => {
    const vue = [
      '<script setup lang="ts">',
      '// SPEC V4: the lab (a comment)',
      "import X from './P1.vue';",
      "const note = 'as SPEC experiment 6 compares';",
      "type Kind = 'M8';",
      '</script>',
      '<template>',
      '  <h2>P3 · eigen-trajectory</h2>',
      '  <!-- M1 in a comment -->',
      '  <span title="from exp 4" data-testid="p3-chart">{{ ok ? \'V2 loss\' : `fine` }}</span>',
      '  <b :title="`see M5`" class="P9">x</b>',
      '</template>',
    ].join('\n');
    const found = vueStrings(vue, 'x.vue').flatMap((s) => specCodesIn(s.text).map((c) => `${s.line}:${c}`));
    expect(found.sort()).toEqual(['10:V2', '10:exp 4', '11:M5', '4:experiment 6', '8:P3'].sort());
    expect(specCodesIn('experiment #12, run 5, KD τ=4, p2 and the M10 bus')).toEqual([]);
    expect(specCodesIn('KD (V2), exp4 and experiments 3–5')).toEqual(['V2', 'experiments 3', 'exp4']);
  });

  it('reads prose in a bundle, not SVG paths or identifiers', () => {
    expect(looksLikeProse('M1 2L3 4Z')).toBe(false);
    expect(looksLikeProse('M1,2 L3,4')).toBe(false);
    expect(looksLikeProse('P1')).toBe(false);
    expect(looksLikeProse('P1 · confidence scatter')).toBe(true);
    expect(looksLikeProse('P1 ·')).toBe(true);
    expect(looksLikeProse('brushed on P1')).toBe(true);
  });
});

describe('no SPEC code in the visible text of the renderer sources', () => {
  const files = sourceFiles(RENDERER);
  it('scans the renderer', () => expect(files.length).toBeGreaterThan(50));
  it.each(files.map((f) => [path.relative(RENDERER, f), f]))('%s', (_name, file) => {
    expect(offences(visibleStrings(file))).toEqual([]);
  });
});

describe.skipIf(!fs.existsSync(BUNDLE))('no SPEC code in the built renderer bundle', () => {
  it('has none in any prose string of out/renderer', () => {
    const bundles = fs.readdirSync(BUNDLE).filter((f) => f.endsWith('.js'));
    expect(bundles.length).toBeGreaterThan(0);
    const strings = bundles.flatMap((f) => scriptStrings(fs.readFileSync(path.join(BUNDLE, f), 'utf8'), path.join(BUNDLE, f))).filter((s) => looksLikeProse(s.text));
    expect(strings.length).toBeGreaterThan(100);
    expect(offences(strings)).toEqual([]);
  });
});
