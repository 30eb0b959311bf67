import { describe, expect, it } from 'vitest';
import { AppEvent, callNames, contract, isCallName } from '../../shared/contract.js';
import { ImportOptions } from '../../shared/domain.js';
import { createProgressTracker, estimateEtaSeconds } from '../../shared/progress.js';
import { toWireError, ImportError } from '../../shared/errors.js';

describe('the contract', () => {
  it('knows its calls and nothing else', () => {
    expect(callNames).toContain('importDataset');
    expect(isCallName('listDatasets')).toBe(true);
    expect(isCallName('toString')).toBe(false);
    expect(isCallName('__proto__')).toBe(false);
  });

  it('fills import defaults and rejects impossible options', () => {
    expect(ImportOptions.parse({ path: '/d' })).toEqual({ path: '/d', testFraction: 0.2, seed: 0 });
    expect(ImportOptions.parse({ path: '/d', noise: { rate: 0.2 } }).noise).toEqual({ rate: 0.2, seed: 0 });
    for (const bad of [{}, { path: '' }, { path: '/d', subset: 0 }, { path: '/d', subset: 1.5 }, { path: '/d', classes: ['one'] }, { path: '/d', noise: { rate: -0.1 } }, { path: '/d', testFraction: 1 }, { path: '/d', format: 'xls' }]) {
      expect(ImportOptions.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('rejects unknown keys, wrong types, NaN and unsafe ids in call arguments', () => {
    const { args } = contract.listExamples;
    expect(args.parse({ datasetId: 1 })).toEqual({ datasetId: 1, offset: 0, limit: 200 });
    for (const bad of [{ datasetId: NaN }, { datasetId: 0 }, { datasetId: 2 ** 60 }, { datasetId: '1' }, { datasetId: 1, sql: 'DROP' }, { datasetId: 1, split: '../x' }, { datasetId: 1, limit: 5000 }]) {
      expect(args.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(contract.importDataset.args.safeParse({ path: '/x', taskId: 'a b' }).success).toBe(false);
  });

  it('describes events with one schema', () => {
    expect(AppEvent.parse({ type: 'progress', taskId: 't1', kind: 'import', stage: 'decode', done: 1, total: 2, etaSeconds: null }).type).toBe('progress');
    expect(AppEvent.safeParse({ type: 'progress', taskId: 't1' }).success).toBe(false);
  });

  it('puts the file and row of an import error on the wire', () => {
    const wire = toWireError(new ImportError('missing column "label"', { file: 'a.csv', row: 3 }));
    expect(wire).toEqual({ code: 'IMPORT_ERROR', message: 'a.csv, row 3: missing column "label"', place: { file: 'a.csv', row: 3 } });
    expect(toWireError(new Error('boom'))).toEqual({ code: 'INTERNAL', message: 'boom' });
  });
});

describe('progress', () => {
  it('estimates the remaining time from the rate so far', () => {
    expect(estimateEtaSeconds(25, 100, 10)).toBe(30);
    expect(estimateEtaSeconds(0, 100, 10)).toBeNull();
    let now = 0;
    const tracker = createProgressTracker(() => now);
    tracker.update('decode', 0, 10);
    now = 2000;
    expect(tracker.update('decode', 5, 10)).toEqual({ stage: 'decode', done: 5, total: 10, etaSeconds: 2 });
    expect(tracker.update('write', 0, 10).etaSeconds).toBeNull();
  });
});
