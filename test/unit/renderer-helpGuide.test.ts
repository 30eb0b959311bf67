// The Help page's guide says what this app and database do, not what they usually do
// (renderer/src/glossary.ts): the findings preset's seeds come from FINDINGS_PRESET, and step 1
// says whether the Fashion-MNIST sample is in this database (`serve --no-sample` leaves it out).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FINDINGS_PRESET } from '../../shared/experimentSpec.js';
import { findingsPresetSeeds, numberWord, sampleDatasetSentence } from '../../renderer/src/glossary.js';
import { SAMPLE_DATASET_NAME } from '../../shared/fashionMnist.js';

describe('the Help guide’s words', () => {
  it('counts the findings preset’s seeds from the preset', () => {
    expect(findingsPresetSeeds()).toBe(numberWord(FINDINGS_PRESET.seeds));
    expect(findingsPresetSeeds(3)).toBe('three');
    expect(findingsPresetSeeds(4)).toBe('four');
    expect(numberWord(12)).toBe('12');
  });

  it('says the sample is there only when this database holds it', () => {
    expect(sampleDatasetSentence(['digits', SAMPLE_DATASET_NAME])).toBe('the Fashion-MNIST sample, loaded into this database on first start, is there to try.');
    const without = sampleDatasetSentence(['synthetic textures']);
    expect(without).toMatch(/^this database holds no Fashion-MNIST sample/);
    expect(without).toContain('serve --no-sample does not');
    // a dataset derived from the sample (the CLI demo's noisy subset) is not the sample
    expect(sampleDatasetSentence([`${SAMPLE_DATASET_NAME} · 5,000 train · 20% label noise`])).toMatch(/^this database holds no/);
    expect(sampleDatasetSentence(null)).toContain('the desktop app loads a Fashion-MNIST sample into a new database');
  });

  it('the Help page writes the derived words, not fixed ones', () => {
    const view = readFileSync(new URL('../../renderer/src/views/HelpView.vue', import.meta.url), 'utf8');
    expect(view).toContain('{{ presetSeeds }}');
    expect(view).toContain('{{ sampleSentence }}');
    expect(view).not.toMatch(/over three\s/);
    expect(view).not.toMatch(/sample is loaded on\s+first start/);
  });
});
