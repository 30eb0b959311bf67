// The glossary (renderer/src/glossary.ts) is the one source of the app's words for its numbers:
// every entry the renderer refers to exists, every per-example measure the UI names and every
// region has an entry, each entry reads as a one-line meaning plus a formula that parses, the
// numbers the definitions quote are the code's, and a sentence's measures are found for their
// tooltips.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CartographyRegion, ExampleMeasure, REGION_DEFAULTS } from '../../shared/analytics.js';
import { PROB_FLOOR } from '../../shared/deviationMetrics.js';
import { DiagnosticKind } from '../../shared/findings.js';
import { MEASURE_LABELS } from '../../renderer/src/explorer/measureLabels.js';
import { formulaPlainText, parseFormula, type FormulaNode } from '../../renderer/src/formulaText.js';
import {
  DIAGNOSTIC_HELP,
  GLOSSARY,
  GLOSSARY_KEYS,
  GLOSSARY_SECTIONS,
  glossarySegments,
  isGlossaryKey,
  MEASURE_GLOSSARY,
  REGION_GLOSSARY,
  STATUS_TERMS,
  warningAnchor,
  type GlossaryEntry,
} from '../../renderer/src/glossary.js';

const RENDERER = path.resolve('renderer', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : /\.(vue|ts)$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

/** Every glossary key a renderer source names: term="x", GLOSSARY.x, GLOSSARY['x'], helpRoute('x'), :term="'x'". */
function referencedKeys(): { key: string; where: string }[] {
  const patterns = [/\bterm="([A-Za-z][\w-]*)"/g, /\bGLOSSARY\.([A-Za-z]\w*)/g, /\bGLOSSARY\[['"]([\w-]+)['"]\]/g, /\bhelpRoute\(['"]([\w-]+)['"]\)/g, /:term="'([\w-]+)'"/g];
  /** a table's column naming its entry (seriesReportTable.ts, compareTable.ts); the glossary's own `term:` is a name */
  const columnTerm = /\bterm: '([A-Za-z]\w*)'/g;
  return sourceFiles(RENDERER).flatMap((file) => {
    const code = fs.readFileSync(file, 'utf8');
    return [...patterns, ...(file.endsWith('glossary.ts') ? [] : [columnTerm])].flatMap((p) =>
      [...code.matchAll(p)].map((m) => ({ key: m[1]!, where: `${path.relative(RENDERER, file)}:${code.slice(0, m.index).split('\n').length}` })),
    );
  });
}

describe('the glossary', () => {
  it('has every entry the renderer refers to', () => {
    const refs = referencedKeys();
    // the scan sees the pages that use the glossary (a scan that finds nothing would pass vacuously)
    expect(refs.length).toBeGreaterThan(60);
    for (const page of ['views/CompareView.vue', 'views/FindingsView.vue', 'views/DynamicsView.vue', 'views/GradientView.vue']) {
      expect(refs.some((r) => r.where.startsWith(`${page}:`)), page).toBe(true);
    }
    const missing = refs.filter((r) => !isGlossaryKey(r.key)).map((r) => `${r.where}: ${r.key}`);
    expect(missing).toEqual([]);
  });

  it('names every per-example measure the UI labels, and every region', () => {
    expect(Object.keys(MEASURE_LABELS).sort()).toEqual([...ExampleMeasure.options].sort());
    for (const measure of ExampleMeasure.options) {
      expect(isGlossaryKey(MEASURE_GLOSSARY[measure]), measure).toBe(true);
      expect(MEASURE_LABELS[measure].length, measure).toBeGreaterThan(0);
    }
    for (const region of CartographyRegion.options) expect(isGlossaryKey(REGION_GLOSSARY[region]), region).toBe(true);
    for (const status of ['reproduced', 'not-reproduced', 'not-applicable'] as const) expect(isGlossaryKey(STATUS_TERMS[status])).toBe(true);
  });

  it('gives each entry a name, a one-line meaning and a section of the Help page', () => {
    const sections = new Set(GLOSSARY_SECTIONS.map((s) => s.id));
    for (const key of GLOSSARY_KEYS) {
      const e: GlossaryEntry = GLOSSARY[key];
      expect(e.term.trim(), key).not.toBe('');
      expect(e.text.length, key).toBeGreaterThan(20);
      expect(e.text.length, `${key}: a tooltip is a line or two`).toBeLessThanOrEqual(220);
      expect(e.text, key).not.toMatch(/\n/);
      expect(sections.has(e.section ?? 'more'), key).toBe(true);
    }
    expect(new Set(GLOSSARY_KEYS.map((k) => GLOSSARY[k].term)).size).toBe(GLOSSARY_KEYS.length);
    for (const kind of DiagnosticKind.options) expect(warningAnchor(kind)).toBe(`warning-${kind}`);
    expect(Object.keys(DIAGNOSTIC_HELP).sort()).toEqual([...DiagnosticKind.options].sort());
  });

  it('gives every measure a formula whose markup parses completely', () => {
    const measures = ['phi', 'pk', 'deviation', 'deltaByConfidence', 'lowestBinDelta', 'deltaTop', 'beta', 'kl', 'fidelity', 'hardPointFit', 'accuracy', 'tv', 'gradNorm', 'gradCos', 'flips', 'misfitSeeds', 'regions', 'eigenProgress'] as const;
    for (const key of measures) expect(GLOSSARY[key], key).toHaveProperty('formula');
    for (const key of GLOSSARY_KEYS) {
      const e: GlossaryEntry = GLOSSARY[key];
      for (const markup of [e.formula, e.definition]) {
        if (!markup) continue;
        const plain = formulaPlainText(markup);
        // every marker was consumed; the braces left are a set's, and balanced
        expect(plain, key).not.toMatch(/[_^]/);
        expect(plain.split('{').length, `${key}: ${plain}`).toBe(plain.split('}').length);
      }
    }
  });

  it('quotes the numbers the code uses: the probability floor and the region thresholds', () => {
    const floor = `10−${-Math.log10(PROB_FLOOR)}`;
    expect(formulaPlainText(GLOSSARY.phi.formula)).toContain(`max(pk, ${floor})`);
    expect(formulaPlainText(GLOSSARY.kl.formula)).toContain(floor);
    expect(GLOSSARY.phi.definition).toContain(`±${Math.log(1 / PROB_FLOOR).toFixed(2)}`);
    expect(GLOSSARY.regionNeverMatches.formula).toContain(`KL_e > ${REGION_DEFAULTS.klThreshold}`);
    expect(GLOSSARY.regionTracks.formula).toContain(`std_e KL_e ≤ ${REGION_DEFAULTS.klStdThreshold}`);
  });
});

describe('formula markup', () => {
  it('turns _x, ^x and braced groups into sub- and superscripts, nesting', () => {
    const tree = parseFormula('Σ_{c : p^T_c > 0} p^T_c');
    expect(tree).toEqual<FormulaNode[]>([
      'Σ',
      { kind: 'sub', children: ['c : p', { kind: 'sup', children: ['T'] }, { kind: 'sub', children: ['c'] }, ' > 0'] },
      ' p',
      { kind: 'sup', children: ['T'] },
      { kind: 'sub', children: ['c'] },
    ]);
    expect(formulaPlainText('10^{−12}')).toBe('10−12');
    // a combining mark stays with its letter, a lone marker or an unclosed brace is text
    expect(parseFormula('ḡ_ȳ')).toEqual(['ḡ', { kind: 'sub', children: ['ȳ'] }]);
    expect(parseFormula('a _ b')).toEqual(['a _ b']);
    expect(parseFormula('x_{1')).toEqual(['x', { kind: 'sub', children: ['{'] }, '1']);
  });
});

describe('glossarySegments', () => {
  it('marks the first mention of each measure in a sentence and keeps the words', () => {
    const text = 'The KD student is 3.1 points below its teacher; Δ of the lowest bin is −0.8 and β = 0.9 (β below 1).';
    const segments = glossarySegments(text);
    expect(segments.map((s) => s.text).join('')).toBe(text);
    expect(segments.filter((s) => s.term).map((s) => [s.term, s.text])).toEqual([
      ['points', 'points'],
      ['lowestBinDelta', 'Δ of the lowest bin'],
      ['beta', 'β'],
    ]);
    expect(glossarySegments('no measure here')).toEqual([{ text: 'no measure here' }]);
    // "hard points" are examples, not percentage points
    expect(glossarySegments('the KD student underfits the hard points').filter((s) => s.term)).toEqual([]);
  });
});
