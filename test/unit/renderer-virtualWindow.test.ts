import { describe, expect, it } from 'vitest';
import { columnsFor, isGridKey, moveIndex, pagesForRange, rowCountFor, scrollTopToReveal, visibleWindow } from '../../renderer/src/grid/virtualWindow.js';

describe('columnsFor', () => {
  it('fits whole cells, at least one', () => {
    expect(columnsFor(1000, 84)).toBe(11);
    expect(columnsFor(84, 84)).toBe(1);
    expect(columnsFor(50, 84)).toBe(1);
    expect(columnsFor(0, 84)).toBe(1);
    expect(columnsFor(500, 0)).toBe(1);
  });
});

describe('visibleWindow', () => {
  const base = { rowHeight: 100, columns: 10, viewportHeight: 500, overscan: 2 };

  it('is empty with no examples', () => {
    expect(visibleWindow({ ...base, scrollTop: 0, total: 0 })).toEqual({
      firstRow: 0,
      endRow: 0,
      startIndex: 0,
      endIndex: 0,
      totalHeight: 0,
      rowCount: 0,
    });
  });

  it('covers the viewport plus overscan at the top', () => {
    const w = visibleWindow({ ...base, scrollTop: 0, total: 70_000 });
    expect(w.rowCount).toBe(7000);
    expect(w.totalHeight).toBe(700_000);
    expect(w.firstRow).toBe(0);
    expect(w.endRow).toBe(7); // 5 visible + 2 overscan
    expect(w.startIndex).toBe(0);
    expect(w.endIndex).toBe(70);
  });

  it('keeps only a few rows in the middle of 70,000 examples', () => {
    const w = visibleWindow({ ...base, scrollTop: 350_050, total: 70_000 });
    expect(w.firstRow).toBe(3498);
    expect(w.endRow).toBe(3508);
    expect(w.endIndex - w.startIndex).toBe(100);
    expect(w.startIndex).toBe(34_980);
  });

  it('clamps past the end and handles a short last row', () => {
    const w = visibleWindow({ ...base, scrollTop: 1e9, total: 95 });
    expect(w.rowCount).toBe(10);
    expect(w.endRow).toBe(10);
    expect(w.endIndex).toBe(95);
    expect(w.firstRow).toBe(3); // max scroll 500 → row 5, minus 2 overscan
  });

  it('treats negative scroll as the top', () => {
    const w = visibleWindow({ ...base, scrollTop: -40, total: 1000 });
    expect(w.firstRow).toBe(0);
  });

  it('renders at least one row before the viewport is measured', () => {
    const w = visibleWindow({ ...base, viewportHeight: 0, overscan: 0, scrollTop: 0, total: 1000 });
    expect(w.endRow).toBe(1);
    expect(w.endIndex).toBe(10);
  });
});

describe('rowCountFor', () => {
  it('rounds up', () => {
    expect(rowCountFor(0, 5)).toBe(0);
    expect(rowCountFor(5, 5)).toBe(1);
    expect(rowCountFor(6, 5)).toBe(2);
  });
});

describe('pagesForRange', () => {
  it('lists the pages covering a range', () => {
    expect(pagesForRange(0, 1, 200)).toEqual([0]);
    expect(pagesForRange(0, 200, 200)).toEqual([0]);
    expect(pagesForRange(199, 201, 200)).toEqual([0, 1]);
    expect(pagesForRange(34_980, 35_080, 200)).toEqual([174, 175]);
    expect(pagesForRange(10, 10, 200)).toEqual([]);
  });
});

describe('moveIndex', () => {
  const cols = 10;
  it('starts at the first example', () => {
    expect(moveIndex(-1, 'ArrowRight', cols, 100)).toBe(0);
    expect(moveIndex(-1, 'ArrowDown', cols, 0)).toBe(-1);
  });
  it('moves and clamps', () => {
    expect(moveIndex(5, 'ArrowRight', cols, 100)).toBe(6);
    expect(moveIndex(5, 'ArrowLeft', cols, 100)).toBe(4);
    expect(moveIndex(0, 'ArrowLeft', cols, 100)).toBe(0);
    expect(moveIndex(5, 'ArrowDown', cols, 100)).toBe(15);
    expect(moveIndex(5, 'ArrowUp', cols, 100)).toBe(0);
    expect(moveIndex(99, 'ArrowRight', cols, 100)).toBe(99);
    expect(moveIndex(42, 'Home', cols, 100)).toBe(0);
    expect(moveIndex(42, 'End', cols, 100)).toBe(99);
  });
  it('drops into a short last row', () => {
    expect(moveIndex(88, 'ArrowDown', cols, 93)).toBe(92);
    expect(moveIndex(91, 'ArrowDown', cols, 93)).toBe(91);
  });
  it('pages by whole screens', () => {
    expect(moveIndex(5, 'PageDown', cols, 1000, 4)).toBe(45);
    expect(moveIndex(45, 'PageUp', cols, 1000, 4)).toBe(5);
    expect(moveIndex(15, 'PageUp', cols, 1000, 4)).toBe(5);
    expect(moveIndex(990, 'PageDown', cols, 1000, 4)).toBe(999);
  });
  it('recognises grid keys', () => {
    expect(isGridKey('ArrowUp')).toBe(true);
    expect(isGridKey('Enter')).toBe(false);
  });
});

describe('scrollTopToReveal', () => {
  it('keeps a visible row where it is', () => {
    expect(scrollTopToReveal(25, 10, 100, 100, 300)).toBe(100);
  });
  it('scrolls up to a row above', () => {
    expect(scrollTopToReveal(15, 10, 100, 500, 300)).toBe(100);
    expect(scrollTopToReveal(3, 10, 100, 500, 300, 8)).toBe(0);
  });
  it('scrolls down to a row below', () => {
    expect(scrollTopToReveal(75, 10, 100, 0, 300)).toBe(500);
    expect(scrollTopToReveal(75, 10, 100, 0, 300, 8)).toBe(516);
  });
  it('ignores no selection', () => {
    expect(scrollTopToReveal(-1, 10, 100, 123, 300)).toBe(123);
  });
});
