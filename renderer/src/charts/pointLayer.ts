// A million points on a chart: ECharts draws the axes, lines, brush and legend, while the points
// themselves are drawn by a small WebGL2 renderer into a canvas under ECharts' (transparent) one,
// fitted to the plot's rectangle. ECharts' own large-mode scatter redraws every point on the main
// thread at each zoom step, too slow past a few hundred thousand; here a zoom or pan moves the last
// drawing (a CSS transform) and the points are drawn anew when the gesture pauses. Where WebGL2 is
// missing, or is drawn in software (SwiftShader, llvmpipe: slower there than JS), the same points
// are rasterised in JS into the canvas's pixels, the same discs at the same positions.
// Picking (click, hover) and brushing read the typed arrays, never the drawn pixels.

/** One colour group of points: x0, y0, x1, y1, … in data units. */
export interface PointGroup {
  name: string;
  xy: Float32Array;
  colour: string;
  opacity: number;
  /** diameter in CSS pixels */
  size: number;
}

/** The points a chart draws itself, and from how many points on it does so (below: ECharts' own scatter). */
export interface PointCloud {
  groups: PointGroup[];
}

/** Past this many points a chart draws them with the point layer; at or below, with ECharts' scatter as before. */
export const POINT_LAYER_THRESHOLD = 150_000;

/** Wheel zooms and a drag pans both axes of a point chart (a brush tool, while chosen, takes the drag). */
export const ZOOM_AND_PAN = [
  { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
  { type: 'inside', yAxisIndex: 0, filterMode: 'none' },
] as const;

export function pointCount(groups: readonly { xy: Float32Array }[]): number {
  return groups.reduce((n, g) => n + g.xy.length / 2, 0);
}

/** The visible data window and where the plot sits in the chart, CSS pixels from the chart's top left. */
export interface PointView {
  x: [number, number];
  y: [number, number];
  rect: { x: number; y: number; width: number; height: number };
}

/**
 * The CSS transform (origin top left) that moves a drawing made for `drawn` to where its points
 * fall in `now`, on the same plot rectangle: during a zoom or pan the last drawing is moved and
 * scaled at the compositor's pace, and the points are drawn anew once the gesture pauses.
 */
export function previewTransform(drawn: PointView, now: PointView): { tx: number; ty: number; sx: number; sy: number } {
  const { width, height } = now.rect;
  const nx = now.x[1] - now.x[0];
  const ny = now.y[1] - now.y[0];
  return {
    sx: (drawn.x[1] - drawn.x[0]) / nx,
    sy: (drawn.y[1] - drawn.y[0]) / ny,
    tx: ((drawn.x[0] - now.x[0]) / nx) * width,
    ty: ((now.y[1] - drawn.y[1]) / ny) * height,
  };
}

/** '#rrggbb' (or '#rgb') as 0–1 channels; anything else reads as mid grey. */
export function parseColour(colour: string): [number, number, number] {
  let hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour.trim())?.[1];
  if (!hex) return [0.5, 0.5, 0.5];
  if (hex.length === 3) hex = hex.replace(/./g, (c) => c + c);
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
}

/**
 * The point nearest a pixel within `radius` CSS pixels: its group and index in the group, or null.
 * Groups later in the list are drawn on top and win ties, as the eye sees them.
 */
export function nearestPoint(groups: readonly Pick<PointGroup, 'xy'>[], view: PointView, px: number, py: number, radius: number, skip?: ReadonlySet<number>): { group: number; index: number } | null {
  const { rect } = view;
  const sx = rect.width / (view.x[1] - view.x[0]);
  const sy = rect.height / (view.y[1] - view.y[0]);
  // the pixel's neighbourhood in data units: points outside it are skipped without a square root
  const dx = radius / sx;
  const dy = radius / sy;
  const cx = view.x[0] + (px - rect.x) / sx;
  const cy = view.y[0] + (rect.y + rect.height - py) / sy;
  let best: { group: number; index: number } | null = null;
  let bestD = radius * radius;
  for (let g = 0; g < groups.length; g++) {
    if (skip?.has(g)) continue;
    const xy = groups[g]!.xy;
    for (let i = 0, n = xy.length / 2; i < n; i++) {
      const x = xy[2 * i]!;
      const y = xy[2 * i + 1]!;
      if (x < cx - dx || x > cx + dx || y < cy - dy || y > cy + dy) continue;
      const ex = (x - cx) * sx;
      const ey = (y - cy) * sy;
      const d = ex * ex + ey * ey;
      if (d <= bestD) {
        bestD = d;
        best = { group: g, index: i };
      }
    }
  }
  return best;
}

const VERTEX = `#version 300 es
in vec2 point;
uniform vec4 view; // x min, x max, y min, y max
uniform float size;
void main() {
  vec2 t = vec2((point.x - view.x) / (view.y - view.x), (point.y - view.z) / (view.w - view.z));
  gl_Position = vec4(t * 2.0 - 1.0, 0.0, 1.0);
  gl_PointSize = size;
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
uniform vec4 colour; // premultiplied
out vec4 outColour;
void main() {
  vec2 c = gl_PointCoord * 2.0 - 1.0;
  if (dot(c, c) > 1.0) discard;
  outColour = colour;
}`;

interface GlGroup {
  buffer: WebGLBuffer;
  count: number;
}

export interface PointLayer {
  /** 'webgl2', or 'canvas' where the browser's WebGL2 is missing or drawn in software */
  readonly kind: 'webgl2' | 'canvas';
  /** why the points are not drawn by WebGL2 (canvas only) */
  readonly why?: 'software-webgl' | 'no-webgl2';
  setPoints(cloud: PointCloud): void;
  /** Draws the points inside the view; `hidden` group indexes are skipped (legend toggles). */
  draw(view: PointView, hidden: ReadonlySet<number>): void;
  dispose(): void;
}

/** Sizes the canvas to the plot's rectangle (CSS and device pixels); its container places it. */
function fitCanvas(canvas: HTMLCanvasElement, rect: PointView['rect'], dpr: number): void {
  canvas.style.width = `${rect.width}px`;
  canvas.style.height = `${rect.height}px`;
  const w = Math.max(1, Math.round(rect.width * dpr));
  const h = Math.max(1, Math.round(rect.height * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
}

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type)!;
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`point layer shader: ${gl.getShaderInfoLog(shader) ?? 'did not compile'}`);
  return shader;
}

function webglLayer(canvas: HTMLCanvasElement, gl: WebGL2RenderingContext): PointLayer {
  const program = gl.createProgram()!;
  gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`point layer program: ${gl.getProgramInfoLog(program) ?? 'did not link'}`);
  const pointAt = gl.getAttribLocation(program, 'point');
  const viewAt = gl.getUniformLocation(program, 'view');
  const sizeAt = gl.getUniformLocation(program, 'size');
  const colourAt = gl.getUniformLocation(program, 'colour');
  const vao = gl.createVertexArray();
  let groups: GlGroup[] = [];
  let styles: Omit<PointGroup, 'xy'>[] = [];
  const release = () => groups.forEach((g) => gl.deleteBuffer(g.buffer));
  return {
    kind: 'webgl2',
    setPoints(cloud) {
      release();
      groups = cloud.groups.map((g) => {
        const buffer = gl.createBuffer()!;
        gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
        gl.bufferData(gl.ARRAY_BUFFER, g.xy, gl.STATIC_DRAW);
        return { buffer, count: g.xy.length / 2 };
      });
      styles = cloud.groups.map(({ name, colour, opacity, size }) => ({ name, colour, opacity, size }));
    },
    draw(view, hidden) {
      const dpr = window.devicePixelRatio || 1;
      fitCanvas(canvas, view.rect, dpr);
      gl.viewport(0, 0, canvas.width, canvas.height);
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      gl.useProgram(program);
      gl.bindVertexArray(vao);
      gl.uniform4f(viewAt, view.x[0], view.x[1], view.y[0], view.y[1]);
      groups.forEach((g, i) => {
        if (hidden.has(i) || g.count === 0) return;
        const s = styles[i]!;
        const [r, gr, b] = parseColour(s.colour);
        gl.uniform4f(colourAt, r * s.opacity, gr * s.opacity, b * s.opacity, s.opacity);
        gl.uniform1f(sizeAt, s.size * dpr);
        gl.bindBuffer(gl.ARRAY_BUFFER, g.buffer);
        gl.enableVertexAttribArray(pointAt);
        gl.vertexAttribPointer(pointAt, 2, gl.FLOAT, false, 0, 0);
        gl.drawArrays(gl.POINTS, 0, g.count);
      });
      gl.bindVertexArray(null);
    },
    dispose() {
      release();
      groups = [];
      gl.deleteVertexArray(vao);
      gl.deleteProgram(program);
    },
  };
}

/**
 * Rasterises the points into premultiplied RGBA (0–1 floats, `width × height`, top row first) as
 * the WebGL layer draws them: a point of diameter `d` device pixels covers the pixels whose centres
 * fall in its d × d square and inside its disc (the fragment shader's discard), blended
 * source-over; groups later in the list on top.
 */
export function rasterisePoints(groups: readonly PointGroup[], view: PointView, width: number, height: number, dpr: number, hidden: ReadonlySet<number>, into?: Float32Array): Float32Array {
  const px = into && into.length === width * height * 4 ? into.fill(0) : new Float32Array(width * height * 4);
  const sx = width / (view.x[1] - view.x[0]);
  const sy = height / (view.y[1] - view.y[0]);
  const x0 = view.x[0];
  const y0 = view.y[0];
  for (let g = 0; g < groups.length; g++) {
    if (hidden.has(g)) continue;
    const group = groups[g]!;
    const xy = group.xy;
    const [r, gr, b] = parseColour(group.colour);
    const a = group.opacity;
    const pr = r * a, pg = gr * a, pb = b * a, keep = 1 - a;
    const d = group.size * dpr;
    const half = d / 2;
    const inv = 1 / half;
    // the disc's pixel offsets from the one under its centre depend on where in that pixel the
    // centre falls; for the common small sizes they are worked out per point below
    for (let k = 0, n = xy.length; k < n; k += 2) {
      const cx = (xy[k]! - x0) * sx;
      const cy = height - (xy[k + 1]! - y0) * sy;
      // pixel i is covered when its centre i + 0.5 lies in [c − d/2, c + d/2)
      let i0 = Math.ceil(cx - half - 0.5);
      let i1 = Math.ceil(cx + half - 0.5) - 1;
      let j0 = Math.ceil(cy - half - 0.5);
      let j1 = Math.ceil(cy + half - 0.5) - 1;
      if (i1 < 0 || j1 < 0 || i0 >= width || j0 >= height) continue;
      if (i0 < 0) i0 = 0;
      if (j0 < 0) j0 = 0;
      if (i1 >= width) i1 = width - 1;
      if (j1 >= height) j1 = height - 1;
      for (let j = j0; j <= j1; j++) {
        const ey = (j + 0.5 - cy) * inv;
        const ey2 = ey * ey;
        let o = (j * width + i0) * 4;
        for (let i = i0; i <= i1; i++, o += 4) {
          const ex = (i + 0.5 - cx) * inv;
          if (ex * ex + ey2 > 1) continue;
          px[o] = pr + px[o]! * keep;
          px[o + 1] = pg + px[o + 1]! * keep;
          px[o + 2] = pb + px[o + 2]! * keep;
          px[o + 3] = a + px[o + 3]! * keep;
        }
      }
    }
  }
  return px;
}

/** Premultiplied 0–1 RGBA as a 2D canvas's (unpremultiplied, 8-bit) pixels. */
export function toImagePixels(premultiplied: Float32Array, out: Uint8ClampedArray): void {
  for (let o = 0, n = premultiplied.length; o < n; o += 4) {
    const a = premultiplied[o + 3]!;
    if (a === 0) {
      out[o + 3] = 0;
      continue;
    }
    const k = 255 / a;
    out[o] = premultiplied[o]! * k; // a clamped array rounds to the nearest
    out[o + 1] = premultiplied[o + 1]! * k;
    out[o + 2] = premultiplied[o + 2]! * k;
    out[o + 3] = a * 255;
  }
}

function rasterLayer(canvas: HTMLCanvasElement, ctx: CanvasRenderingContext2D, why: 'software-webgl' | 'no-webgl2'): PointLayer {
  let cloud: PointCloud = { groups: [] };
  let scratch: Float32Array | undefined;
  let image: ImageData | undefined;
  return {
    kind: 'canvas',
    why,
    setPoints(next) {
      cloud = next;
    },
    draw(view, hidden) {
      const dpr = window.devicePixelRatio || 1;
      fitCanvas(canvas, view.rect, dpr);
      const { width, height } = canvas;
      scratch = rasterisePoints(cloud.groups, view, width, height, dpr, hidden, scratch);
      // kept while the canvas keeps its size, as `scratch` is: a redraw after each zoom allocates nothing
      if (image?.width !== width || image.height !== height) image = ctx.createImageData(width, height);
      toImagePixels(scratch, image.data);
      ctx.putImageData(image, 0, 0);
    },
    dispose() {
      cloud = { groups: [] };
      scratch = undefined;
      image = undefined;
    },
  };
}

/** Renderer names of WebGL drawn on the CPU, where rasterising in JS is faster. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software/i;

let softwareWebGL: boolean | undefined;

/**
 * Whether this browser's WebGL is drawn in software (asked once, on a throwaway canvas: main.ts
 * asks at idle time so that the first chart does not pay for it).
 */
export function webglIsSoftware(): boolean {
  if (softwareWebGL !== undefined) return softwareWebGL;
  const probe = document.createElement('canvas');
  const gl = probe.getContext('webgl2') ?? probe.getContext('webgl');
  if (!gl) return (softwareWebGL = false);
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return (softwareWebGL = SOFTWARE_RENDERER.test(renderer));
}

/** A point layer on the canvas: WebGL2 on a GPU, rasterised in JS where WebGL2 is missing or software. */
export function createPointLayer(canvas: HTMLCanvasElement): PointLayer {
  const gl = webglIsSoftware() ? null : canvas.getContext('webgl2', { premultipliedAlpha: true, antialias: false, preserveDrawingBuffer: false });
  if (gl) {
    try {
      return webglLayer(canvas, gl);
    } catch (err) {
      console.warn(`point layer: WebGL2 failed (${(err as Error).message}); drawing with the 2D canvas`);
    }
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('point layer: this browser gives neither a WebGL2 nor a 2D canvas context');
  return rasterLayer(canvas, ctx, softwareWebGL ? 'software-webgl' : 'no-webgl2');
}
