// The curated-set rows of the contract: defaults filled in, paths that must be absolute, names
// trimmed, and the events the app pushes for sets and exports.
import { describe, expect, it } from 'vitest';
import { AppEvent, contract } from '../../shared/contract.js';

describe('the curated-set contract', () => {
  it('fills defaults: member pages of 200 from 0, exports that never overwrite', () => {
    expect(contract.listCuratedSetMembers.args.parse({ setId: 1 })).toEqual({ setId: 1, offset: 0, limit: 200 });
    expect(contract.exportCuratedSet.args.parse({ setId: 1, format: 'zip', path: '/data/set.zip' })).toEqual({ setId: 1, format: 'zip', path: '/data/set.zip', overwrite: false });
    expect(contract.createCuratedSet.args.parse({ datasetId: 2, name: '  shirts ' }).name).toBe('shirts');
    expect(contract.createCuratedSet.args.parse({ datasetId: 2, name: 'f', fromFilter: { experimentId: 3 } }).fromFilter).toEqual({ experimentId: 3, classChoice: 'teacher-top', filter: {} });
  });

  it('takes POSIX, drive and UNC paths and refuses relative ones', () => {
    const path = (p: string) => contract.exportCuratedSet.args.safeParse({ setId: 1, format: 'csv', path: p }).success;
    expect([path('/tmp/a.csv'), path('C:\\exports\\a.csv'), path('d:/a.csv'), path('\\\\server\\share\\a.csv')]).toEqual([true, true, true, true]);
    expect([path('a.csv'), path('./a.csv'), path('~/a.csv'), path(''), path('/tmp/a\0.csv')]).toEqual([false, false, false, false, false]);
    expect(contract.exportCuratedSet.args.safeParse({ setId: 1, format: 'csv', path: '/a.csv', fromFilter: {} }).success).toBe(false);
    expect(contract.addToCuratedSet.args.safeParse({ setId: 1, exampleIds: Array(1_000_001).fill(1) }).success).toBe(false);
  });

  it('describes set changes and export progress as events', () => {
    expect(AppEvent.parse({ type: 'curatedSetsChanged', datasetId: 4 })).toEqual({ type: 'curatedSetsChanged', datasetId: 4 });
    expect(AppEvent.parse({ type: 'progress', taskId: 'e1', kind: 'export', stage: 'images', done: 5, total: 9, etaSeconds: 1 }).type).toBe('progress');
    expect(AppEvent.parse({ type: 'taskFinished', taskId: 'e1', kind: 'export', ok: false, error: 'export cancelled; nothing was written' }).type).toBe('taskFinished');
    expect(AppEvent.safeParse({ type: 'curatedSetsChanged' }).success).toBe(false);
  });
});
