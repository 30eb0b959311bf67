// The Findings page's pure parts: each claim's chart (axes fitted to 0, the threshold, the
// interval and every value; a legend entry for every series; none without evidence), the status
// tally, numbers in their units, and explore links that the explorer's own URL parser reads back
// as the finding's filter.
import { parseQuery, stringifyQuery } from 'vue-router';
import { describe, expect, it } from 'vitest';
import { ExampleFilter } from '../../shared/analytics.js';
import { FINDING_IDS, Findings, type FindingClaim, type FindingStatus } from '../../shared/findings.js';
import { DiagnosticKind } from '../../shared/findings.js';
import { findingChartOption, fittedAxis, evidenceSeriesName } from '../../renderer/src/charts/findings.js';
import { decodeExplorerState, explorerStateOfFilter, filterOf } from '../../renderer/src/explorer/explorerState.js';
import {
  exploreLink,
  formatFindingValue,
  formatInterval,
  formatUnitNumber,
  seedLinks,
  tallyClaims,
  tallySentence,
} from '../../renderer/src/findingsDisplay.js';
import { DIAGNOSTIC_HELP, FINDINGS_HELP_KEYS, GLOSSARY, intervalMethodTerms, STATUS_HELP } from '../../renderer/src/glossary.js';
import { landingPage } from '../../renderer/src/runProgress.js';

const seeds = [1, 2, 3];
const experimentIds = [11, 12, 13];

/** exp4 as SPEC's Fashion-MNIST regime measured it: KD − one-hot +1.7/+1.4/+5.5 points. */
function kdGain(overrides: Partial<FindingClaim> = {}): FindingClaim {
  return {
    id: 'exp4',
    title: 'KD gain from a noisy teacher',
    claim: 'A KD student beats a one-hot student by at least a point of test accuracy.',
    source: 'SPEC.md experiment 4',
    status: 'reproduced',
    statistic: 2.87,
    statisticName: 'KD − one-hot test accuracy, mean over seeds',
    unit: 'points',
    interval: [-2.2, 7.9],
    intervalMethod: 't over 3 seeds',
    threshold: { op: '>=', value: 1, text: '≥ +1 point' },
    reason: 'mean +2.9 points ≥ +1 point',
    evidence: seeds.map((seed, i) => ({ seed, experimentId: experimentIds[i]!, value: [1.7, 1.4, 5.5][i]!, label: `seed ${seed}`, kdRunId: 100 + i, onehotRunId: 200 + i })),
    explore: [{ experimentId: 11, studentRunId: 100, filter: ExampleFilter.parse({ split: 'test', correctness: [{ runId: 100, correct: true }, { runId: 200, correct: false }] }), label: 'KD right, one-hot wrong' }],
    dataIndependent: false,
    domain: [-100, 100],
    ...overrides,
  };
}

function claimWith(id: (typeof FINDING_IDS)[number], status: FindingStatus): FindingClaim {
  return { ...kdGain(), id, status };
}

describe('a finding\'s chart', () => {
  it('fits the y axis to 0, the threshold, the interval and every value, ends on ticks', () => {
    const claim = kdGain();
    const option = findingChartOption(claim)!;
    const y = option.yAxis as { min: number; max: number; interval: number; name: string };
    for (const v of [0, 1, -2.2, 7.9, 1.7, 1.4, 5.5, 2.87]) {
      expect(y.min).toBeLessThanOrEqual(v);
      expect(y.max).toBeGreaterThanOrEqual(v);
    }
    expect(y.min).toBeLessThan(-2.2); // headroom below the interval's end
    expect(Number.isInteger(Math.round((y.max - y.min) / y.interval * 1e9) / 1e9)).toBe(true);
    expect(y.name).toBe('percentage points');

    // A threshold far above every value still shows; an all-positive chart starts at 0.
    const beta = kdGain({ unit: 'slope', statistic: 0.6, interval: [0.55, 0.66], threshold: { op: '>', value: 1, text: 'β > 1' }, evidence: kdGain().evidence.map((e, i) => ({ ...e, value: [0.56, 0.62, 0.61][i]! })) });
    const by = findingChartOption(beta)!.yAxis as { min: number; max: number };
    expect(by.min).toBe(0);
    expect(by.max).toBeGreaterThanOrEqual(1);
    expect(by.max).toBeLessThanOrEqual(1.5);

    // Everything negative: the axis runs up to 0, not beyond.
    const delta = fittedAxis([-0.79, -0.5, -0.3]);
    expect(delta.max).toBe(0);
    expect(delta.min).toBeLessThanOrEqual(-0.79);
    expect(fittedAxis([])).toEqual({ min: 0, max: 1, interval: 0.25 });
  });

  it('draws one bar per evidence entry and names every series in the legend', () => {
    const option = findingChartOption(kdGain())!;
    const series = option.series as { id: string; name: string; type: string; data: unknown[]; markLine?: { data: { yAxis: number }[]; lineStyle: { type: string } }; markArea?: { data: { yAxis: number }[][] } }[];
    expect(series.map((s) => s.id)).toEqual(['evidence', 'statistic', 'interval', 'threshold']);
    expect((option.legend as { data: string[] }).data).toEqual(series.map((s) => s.name));
    expect(series.map((s) => s.name)).toEqual(['each seed', 'statistic', '95% interval', 'threshold']);
    expect((option.xAxis as { data: string[] }).data).toEqual(['seed 1', 'seed 2', 'seed 3']);
    expect(series[0]!.data).toEqual([1.7, 1.4, 5.5].map((value) => ({ value, label: { position: 'top' } })));
    expect(series[1]!.markLine!.data[0]!.yAxis).toBe(2.87);
    expect(series[2]!.markArea!.data[0]!.map((d) => d.yAxis)).toEqual([-2.2, 7.9]);
    expect(series[3]!.markLine!.data[0]!.yAxis).toBe(1);
    expect(series[3]!.markLine!.lineStyle.type).toBe('dashed');

    // Only the series that exist are drawn and listed: one seed, no interval, no threshold.
    const bare = findingChartOption(kdGain({ interval: null, intervalMethod: null, threshold: null, statistic: null }))!;
    expect((bare.legend as { data: string[] }).data).toEqual(['each seed']);
    expect(bare.series).toHaveLength(1);
  });

  it('writes each bar\'s number where it can be read: under a negative bar, none on a bar too short to see', () => {
    const negative = findingChartOption(kdGain({ evidence: kdGain().evidence.map((e, i) => ({ ...e, value: [-0.45, 0.5, -0.4][i]! })) }))!;
    const bars = (negative.series as { data: { label: { position: string } }[] }[])[0]!;
    expect(bars.data.map((d) => d.label.position)).toEqual(['bottom', 'top', 'bottom']);
    // SPEC experiment 1: deviations of 1e-16 against a 1e-5 threshold are invisible bars
    const sanity = findingChartOption(kdGain({ unit: 'absolute', statistic: 8.9e-16, interval: null, threshold: { op: '<', value: 1e-5, text: 'within 1e-5' }, evidence: kdGain().evidence.map((e, i) => ({ ...e, value: [8.9e-16, 0, 6e-6][i]! })) }))!;
    const label = (sanity.series as { label: { formatter: (p: { value: number }) => string } }[])[0]!.label;
    expect([8.9e-16, 0, 6e-6].map((value) => label.formatter({ value }))).toEqual(['', '', '6.0e-6']);
    const threshold = (sanity.series as { id: string; markLine?: { label: { formatter: string } } }[]).find((s) => s.id === 'threshold')!;
    expect(threshold.markLine!.label.formatter).toBe('< 1.0e-5');
    expect((findingChartOption(kdGain())!.series as { id: string; markLine?: { label: { formatter: string } } }[]).find((s) => s.id === 'threshold')!.markLine!.label.formatter).toBe('≥ +1.0');
  });

  it('draws no chart when no evidence entry has a value', () => {
    expect(findingChartOption(kdGain({ evidence: [] }))).toBeNull();
    expect(findingChartOption(kdGain({ evidence: kdGain().evidence.map((e) => ({ ...e, value: null })) }))).toBeNull();
    // a missing value leaves a gap, the others still plot
    const gap = findingChartOption(kdGain({ evidence: kdGain().evidence.map((e, i) => ({ ...e, value: i === 1 ? null : e.value })) }))!;
    expect((gap.series as { data: { value: unknown }[] }[])[0]!.data.map((d) => d.value)).toEqual([1.7, null, 5.5]);
  });

  it('names the bars after what the evidence is of', () => {
    expect(evidenceSeriesName(kdGain())).toBe('each seed');
    expect(evidenceSeriesName({ evidence: [{ seed: null, experimentId: 1, value: 1, label: 'train split', split: 'train' }] })).toBe('each split');
    expect(evidenceSeriesName({ evidence: [{ seed: null, experimentId: 1, value: 1, label: 'cf-easy-random' }] })).toBe('each entry');
  });
});

describe('the findings summary', () => {
  it('counts the claims by status in one sentence', () => {
    const claims = FINDING_IDS.map((id, i) => claimWith(id, i < 5 ? 'reproduced' : i < 7 ? 'not-reproduced' : 'not-applicable'));
    const tally = tallyClaims(claims);
    expect(tally).toEqual({ total: 8, reproduced: 5, notReproduced: 2, notApplicable: 1, independent: [] });
    expect(tallySentence(tally)).toBe('5 of 8 claims reproduced, 2 not reproduced, 1 not applicable');
    expect(tallySentence(tallyClaims([]))).toBe('0 of 0 claims reproduced, 0 not reproduced, 0 not applicable');
  });

  it('lists the seeds with their experiments, and an experiment without seeds as itself', () => {
    expect(seedLinks({ seeds, experimentIds })).toEqual({ heading: '3 seeds', links: [{ seed: 1, experimentId: 11 }, { seed: 2, experimentId: 12 }, { seed: 3, experimentId: 13 }] });
    expect(seedLinks({ seeds: [], experimentIds: [7] })).toEqual({ heading: 'no seed replicates', links: [{ seed: null, experimentId: 7 }] });
  });

  it('formats each unit: points signed with one decimal, shares as percent, slopes to 2–3 digits', () => {
    expect(formatFindingValue(1.7, 'points')).toBe('+1.7 points');
    expect(formatFindingValue(-2.6, 'points')).toBe('−2.6 points');
    expect(formatFindingValue(0.04, 'points')).toBe('0.0 points');
    expect(formatFindingValue(0.47, 'share')).toBe('47.0%');
    expect(formatFindingValue(-0.1, 'share')).toBe('−10.0%');
    expect(formatFindingValue(0.5612, 'slope')).toBe('0.56');
    expect(formatFindingValue(1.2345, 'ratio')).toBe('1.23');
    expect(formatFindingValue(-0.79, 'logit')).toBe('−0.79 logit');
    expect(formatFindingValue(0.03, 'absolute')).toBe('0.030');
    expect(formatFindingValue(8.9e-16, 'absolute')).toBe('8.9e-16');
    expect(formatFindingValue(null, 'points')).toBe('—');
    expect(formatFindingValue(Number.NaN, 'share')).toBe('—');
    expect(formatUnitNumber(5.5, 'points')).toBe('+5.5');
    expect(formatInterval([-2.2, 7.9], 'points')).toBe('[−2.2, +7.9] points');
    expect(formatInterval([0.75, 0.95], 'share')).toBe('[75.0%, 95.0%]');
    expect(formatInterval(null, 'share')).toBeNull();
  });

  it('a fixture of all eight claims is a valid findings result', () => {
    const findings = Findings.parse({
      experimentIds,
      seeds,
      datasetId: 1,
      datasetName: 'fm',
      answer: 'Yes: KD beat one-hot by +2.9 points.',
      claims: FINDING_IDS.map((id) => claimWith(id, 'reproduced')),
      diagnostics: [{ kind: 'few-seeds', experimentId: 11, runId: null, message: '3 seeds' }],
    });
    expect(findings.claims.map((c) => findingChartOption(c) !== null)).toEqual(FINDING_IDS.map(() => true));
  });
});

describe('explore links', () => {
  /** What the explorer sees: the link's query through vue-router's own URL string and parser, then the explorer's decoder. */
  function explorerFilterOf(query: Record<string, string | string[]>, studentRunId: number) {
    const parsed = parseQuery(stringifyQuery(query));
    const state = decodeExplorerState(parsed);
    expect(state.student).toBe(studentRunId);
    return filterOf(state, state.student);
  }

  const filters: Record<string, unknown>[] = [
    { split: 'test', correctness: [{ runId: 100, correct: true }, { runId: 200, correct: false }] },
    { split: 'train', underfit: { delta: 0.5 } },
    { labels: [0, 2, 4, 6], predicted: { runId: 100, classes: [1] }, noisy: true },
    { ranges: [{ measure: 'deviation', max: -1 }, { measure: 'kl', min: 0.25 }], disagree: { runA: 1, runB: 100 } },
    { region: { kind: 'forgets' }, confusion: { label: 2, teacherTop: 2, studentTop: 5 }, textContains: 'a & b = c?', curatedSet: { setId: 3, member: false } },
    {},
  ];

  it.each(filters)('opens the explorer on exactly the finding\'s filter: %j', (raw) => {
    const filter = ExampleFilter.parse(raw);
    const link = exploreLink({ experimentId: 12, studentRunId: 100, filter, label: 'x' });
    expect(link.to).toMatchObject({ name: 'explore', params: { id: '12' } });
    expect(link.dropped).toEqual([]);
    expect(explorerFilterOf(link.to.query, 100)).toEqual(filter);
  });

  it('says which clauses the explorer URL cannot carry, and keeps the rest', () => {
    const filter = ExampleFilter.parse({ split: 'test', exampleIds: [5, 6], predicted: { runId: 7, classes: [1] }, region: { kind: 'tracks', klThreshold: 0.2 } });
    const { state, dropped } = explorerStateOfFilter(filter, 100);
    expect(dropped).toEqual(["run 7's top class", "the tracks region's own thresholds", 'a list of 2 examples']);
    expect(filterOf(state, 100)).toEqual({ split: 'test' });
  });
});

describe('the experiment landing page', () => {
  const run = (role: 'teacher' | 'student', epochsDone: number) => ({ role, epochsDone });
  it('opens on the findings once a student has recorded an epoch, else on the runs', () => {
    expect(landingPage({ runs: [run('teacher', 3), run('student', 0)] as never })).toBe('experiment');
    expect(landingPage({ runs: [] })).toBe('experiment');
    expect(landingPage({ runs: [run('teacher', 3), run('student', 1)] as never })).toBe('findings');
  });
});

describe('the findings help', () => {
  it('explains every status, every warning kind and each term the page shows', () => {
    for (const status of ['reproduced', 'not-reproduced', 'not-applicable'] as const) expect(STATUS_HELP[status].text.length).toBeGreaterThan(20);
    for (const kind of DiagnosticKind.options) expect(DIAGNOSTIC_HELP[kind].text.length).toBeGreaterThan(20);
    for (const key of ['statistic', 'interval', 'tInterval', 'bootstrap', 'recoveredShare', 'lowestBinDelta', 'beta', 'fidelity', 'seeds'] as const) expect(FINDINGS_HELP_KEYS).toContain(key);
    expect(new Set(FINDINGS_HELP_KEYS.map((k) => GLOSSARY[k].term)).size).toBe(FINDINGS_HELP_KEYS.length);
    expect(intervalMethodTerms('t over 3 seeds')).toEqual(['tInterval']);
    expect(intervalMethodTerms('bootstrap, 1000 resamples of seeds')).toEqual(['bootstrap']);
    expect(intervalMethodTerms(null)).toEqual([]);
  });
});
