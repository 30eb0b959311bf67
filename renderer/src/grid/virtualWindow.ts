// Row/column math for the virtualized example grid: which rows are visible for a scroll
// position, where they sit, which pages of examples cover them, and keyboard movement.
// Pure, so it is unit-tested without a DOM.

export interface WindowInput {
  /** height of one row including its gap */
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  columns: number;
  total: number;
  /** extra rows rendered above and below the viewport */
  overscan?: number;
}

export interface VisibleWindow {
  /** first rendered row (inclusive) */
  firstRow: number;
  /** last rendered row (exclusive) */
  endRow: number;
  /** first rendered example index (inclusive) */
  startIndex: number;
  /** last rendered example index (exclusive) */
  endIndex: number;
  /** total scrollable height of the grid */
  totalHeight: number;
  rowCount: number;
}

/** How many cells fit across; at least one. */
export function columnsFor(containerWidth: number, cellWidth: number): number {
  if (!(containerWidth > 0) || !(cellWidth > 0)) return 1;
  return Math.max(1, Math.floor(containerWidth / cellWidth));
}

export function rowCountFor(total: number, columns: number): number {
  if (total <= 0) return 0;
  return Math.ceil(total / Math.max(1, columns));
}

export function visibleWindow(input: WindowInput): VisibleWindow {
  const columns = Math.max(1, Math.floor(input.columns));
  const total = Math.max(0, Math.floor(input.total));
  const rowHeight = Math.max(1, input.rowHeight);
  const overscan = Math.max(0, Math.floor(input.overscan ?? 2));
  const rowCount = rowCountFor(total, columns);
  const totalHeight = rowCount * rowHeight;
  if (rowCount === 0) return { firstRow: 0, endRow: 0, startIndex: 0, endIndex: 0, totalHeight: 0, rowCount: 0 };
  const maxScroll = Math.max(0, totalHeight - Math.max(0, input.viewportHeight));
  const scrollTop = Math.min(Math.max(0, input.scrollTop), maxScroll);
  const firstVisible = Math.floor(scrollTop / rowHeight);
  const lastVisible = Math.ceil((scrollTop + Math.max(0, input.viewportHeight)) / rowHeight);
  const firstRow = Math.max(0, firstVisible - overscan);
  const endRow = Math.min(rowCount, Math.max(lastVisible, firstVisible + 1) + overscan);
  return {
    firstRow,
    endRow,
    startIndex: firstRow * columns,
    endIndex: Math.min(total, endRow * columns),
    totalHeight,
    rowCount,
  };
}

/** Page numbers (of `pageSize` examples) that cover indices [start, end). */
export function pagesForRange(start: number, end: number, pageSize: number): number[] {
  if (end <= start || pageSize <= 0) return [];
  const first = Math.floor(Math.max(0, start) / pageSize);
  const last = Math.floor((end - 1) / pageSize);
  const pages: number[] = [];
  for (let p = first; p <= last; p++) pages.push(p);
  return pages;
}

export type GridKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End' | 'PageUp' | 'PageDown';

export function isGridKey(key: string): key is GridKey {
  return ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'].includes(key);
}

/** The index the cursor moves to; -1 (nothing active yet) moves to the first example. */
export function moveIndex(index: number, key: GridKey, columns: number, total: number, rowsPerPage = 1): number {
  if (total <= 0) return -1;
  if (index < 0 || index >= total) return 0;
  const cols = Math.max(1, columns);
  const pageStep = cols * Math.max(1, rowsPerPage);
  let next = index;
  switch (key) {
    case 'ArrowLeft':
      next = index - 1;
      break;
    case 'ArrowRight':
      next = index + 1;
      break;
    case 'ArrowUp':
      next = index - cols;
      break;
    case 'ArrowDown':
      // moving down from the last full row into a short last row lands on its last cell
      next = index + cols < total ? index + cols : Math.floor(index / cols) < rowCountFor(total, cols) - 1 ? total - 1 : index;
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = total - 1;
      break;
    case 'PageUp':
      next = index - pageStep;
      if (next < 0) next = index % cols;
      break;
    case 'PageDown':
      next = index + pageStep;
      if (next >= total) next = total - 1;
      break;
  }
  return Math.min(total - 1, Math.max(0, next));
}

/**
 * The scrollTop that brings a row fully into view, or the current one when it already is.
 * `offset` is the space above the first row (padding) in scroll coordinates.
 */
export function scrollTopToReveal(
  index: number,
  columns: number,
  rowHeight: number,
  scrollTop: number,
  viewportHeight: number,
  offset = 0,
): number {
  if (index < 0) return scrollTop;
  const row = Math.floor(index / Math.max(1, columns));
  const top = offset + row * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return row === 0 ? 0 : top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight + offset);
  return scrollTop;
}
