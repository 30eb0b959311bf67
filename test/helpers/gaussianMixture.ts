// Labelled points for the loss tests: `classes` Gaussian blobs in `dim` dimensions, unit noise,
// class c shifted by 2.5 on the coordinates d ≡ c (mod classes), so classes overlap a little.
import { createRandom } from '../../shared/seededRandom.js';

export function gaussianMixture(n: number, seed: number, dim: number, classes: number): { x: Float32Array; y: Int32Array; n: number } {
  const random = createRandom(seed);
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = random.int(classes);
    y[i] = c;
    for (let d = 0; d < dim; d++) x[i * dim + d] = (d % classes === c ? 2.5 : 0) + random.normal();
  }
  return { x, y, n };
}
