// A million points: the brush selects exactly the points inside it (edges inclusive, on the
// float32 values the chart draws), a large selection travels as a bit set that holds exactly its
// ids, a click finds the drawn point under the pointer, and the point layer takes over from
// ECharts' scatter only past its threshold.
import { describe, expect, it } from 'vitest';
import { encodeExampleIdSet, exampleIdClause, exampleIdSetTest } from '../../shared/exampleIdSet.js';
import { ExampleFilter } from '../../shared/analytics.js';
import { emptyExplorerState, filterOf } from '../../renderer/src/explorer/explorerState.js';
import { brushHits, scatterLayout, scatterPointCloud, type ScatterPoints } from '../../renderer/src/explorer/scatterPoints.js';
import { mapPointCloud, type MapSeries } from '../../renderer/src/charts/cartographyMap.js';
import { nearestPoint, parseColour, POINT_LAYER_THRESHOLD, previewTransform, type PointView } from '../../renderer/src/charts/pointLayer.js';
import { createRandom } from '../../shared/seededRandom.js';

function cloud(n: number, seed = 7): ScatterPoints {
  const random = createRandom(seed);
  const points: ScatterPoints = {
    meta: { n, classNames: ['a', 'b', 'c'], classGroups: [] } as unknown as ScatterPoints['meta'],
    id: new Int32Array(n),
    a: new Float32Array(n),
    b: new Float32Array(n),
    label: new Uint16Array(n),
    teacherTop: new Uint16Array(n),
    studentTop: new Uint16Array(n),
  };
  for (let i = 0; i < n; i++) {
    points.id[i] = 1000 + i;
    // values on a coarse grid, so many points sit exactly on a brush's edges
    points.a[i] = Math.round(random.normal() * 20) / 8;
    points.b[i] = Math.round(random.normal() * 20) / 8;
    points.label[i] = random.int(3);
  }
  return points;
}

describe('brushing a million points', () => {
  it('selects exactly the points inside a rectangle, its edges included', () => {
    const points = cloud(1_000_000);
    const brush = { kind: 'rect' as const, x: [-1.25, 0.5] as [number, number], y: [0, 2.125] as [number, number] };
    const hits = brushHits(points, brush);
    // counted independently, with the edges tested separately
    let inside = 0;
    let onEdge = 0;
    for (let i = 0; i < points.id.length; i++) {
      const x = points.a[i]!;
      const y = points.b[i]!;
      if (x > -1.25 && x < 0.5 && y > 0 && y < 2.125) inside++;
      else if (x >= -1.25 && x <= 0.5 && y >= 0 && y <= 2.125) onEdge++;
    }
    expect(onEdge).toBeGreaterThan(1000);
    expect(hits.length).toBe(inside + onEdge);
    expect(new Set(hits).size).toBe(hits.length);
    // a rectangle just inside the edges leaves every edge point out
    const shrunk = brushHits(points, { kind: 'rect', x: [-1.25 + 1e-6, 0.5 - 1e-6], y: [1e-6, 2.125 - 1e-6] });
    expect(shrunk.length).toBe(inside);
  });

  it('sends a large selection as a bit set holding exactly its ids', () => {
    const points = cloud(300_000);
    const hits = brushHits(points, { kind: 'rect', x: [-2, 2], y: [-2, 2] });
    expect(hits.length).toBeGreaterThan(100_000);
    const filter = filterOf(emptyExplorerState(), 3, hits);
    expect(filter.exampleIds).toBeUndefined();
    expect(JSON.stringify(filter).length).toBeLessThan(60_000); // a JSON list would be ~800 kB
    const has = exampleIdSetTest(ExampleFilter.parse(filter).exampleIdSet!);
    const wanted = new Set(hits);
    let agree = 0;
    for (let id = 900; id < 1000 + 300_000 + 100; id++) if (has(id) === wanted.has(id)) agree++;
    expect(agree).toBe(300_000 + 200);
  });

  it('keeps a few spread ids as a list, and a set exact at both ends', () => {
    expect(exampleIdClause([5, 6])).toEqual({ exampleIds: [5, 6] });
    expect(exampleIdClause([3, 90_000_000])).toEqual({ exampleIds: [3, 90_000_000] });
    const spread = Array.from({ length: 20_000 }, (_, i) => i * 1000);
    expect(exampleIdClause(spread)).toEqual({ exampleIds: spread }); // far apart: the list is smaller
    const set = encodeExampleIdSet([17, 24, 25, 40]);
    expect(set.first).toBe(17);
    const has = exampleIdSetTest(set);
    expect([16, 17, 18, 23, 24, 25, 26, 39, 40, 41, 48].map(has)).toEqual([false, true, false, false, true, true, false, false, true, false, false]);
    expect(() => encodeExampleIdSet([])).toThrow(/empty/);
  });
});

describe('the point layer', () => {
  const view: PointView = { x: [0, 10], y: [0, 5], rect: { x: 50, y: 20, width: 200, height: 100 } };

  it('finds the drawn point under the pointer, the top group winning', () => {
    // data (2, 1) is pixel (50 + 40, 20 + 100 - 20) = (90, 100)
    const groups = [{ xy: new Float32Array([2, 1, 8, 4]) }, { xy: new Float32Array([9, 4.5, 2.1, 1]) }];
    expect(nearestPoint(groups, view, 90, 100, 3)).toEqual({ group: 0, index: 0 });
    expect(nearestPoint(groups, view, 92, 100, 3)).toEqual({ group: 1, index: 1 }); // (2.1, 1) is 2 px right of (2, 1)
    expect(nearestPoint(groups, view, 90, 100, 3, new Set([0]))).toEqual({ group: 1, index: 1 });
    expect(nearestPoint(groups, view, 90, 106, 3)).toBeNull(); // 6 px below
    expect(nearestPoint(groups, view, 210, 40, 3)).toEqual({ group: 0, index: 1 }); // (8, 4)
  });

  it('moves the last drawing to where its points fall after a zoom or pan', () => {
    const now: PointView = { ...view, x: [2, 6], y: [1, 3] };
    const t = previewTransform(view, now);
    // a point's pixel on the drawn canvas (origin: the plot's top left), moved by the transform,
    // is its pixel in the zoomed view
    const pixel = (v: PointView, x: number, y: number) => [((x - v.x[0]) / (v.x[1] - v.x[0])) * v.rect.width, ((v.y[1] - y) / (v.y[1] - v.y[0])) * v.rect.height];
    for (const [x, y] of [[2, 1], [6, 3], [4.5, 2.2], [0, 0]] as const) {
      const [px, py] = pixel(view, x, y);
      const [qx, qy] = pixel(now, x, y);
      expect(t.tx + t.sx * px!).toBeCloseTo(qx!, 9);
      expect(t.ty + t.sy * py!).toBeCloseTo(qy!, 9);
    }
    expect(previewTransform(view, view)).toEqual({ tx: 0, ty: 0, sx: 1, sy: 1 });
  });

  it('reads colours as the chart writes them', () => {
    expect(parseColour('#ff8000')).toEqual([1, 128 / 255, 0]);
    expect(parseColour('#fff')).toEqual([1, 1, 1]);
    expect(parseColour('currentColor')).toEqual([0.5, 0.5, 0.5]);
  });

  it('draws P1 and the map only past the threshold, groups in series order', () => {
    const small = scatterLayout(cloud(POINT_LAYER_THRESHOLD), 'class');
    expect(scatterPointCloud(small)).toBeNull();
    const large = scatterLayout(cloud(POINT_LAYER_THRESHOLD + 1), 'class');
    const p1 = scatterPointCloud(large)!;
    expect(p1.groups.map((g) => g.name)).toEqual(large.groups.map((g) => g.name));
    expect(p1.groups.every((g, i) => g.xy === large.data[i])).toBe(true); // the layout's arrays, not copies
    const series = (n: number): MapSeries[] => [
      { group: 'other', ids: new Int32Array(n), xy: new Float32Array(2 * n) },
      { group: 'tracks', ids: new Int32Array(1), xy: new Float32Array(2) },
    ];
    expect(mapPointCloud(series(POINT_LAYER_THRESHOLD - 1))).toBeNull();
    expect(mapPointCloud(series(POINT_LAYER_THRESHOLD))!.groups.map((g) => [g.name, g.xy.length])).toEqual([['in no region', 2 * POINT_LAYER_THRESHOLD], ['tracks', 2]]);
  });
});
