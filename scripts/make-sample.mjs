// Regenerates resources/sample/fashion-mnist from Debian's dataset-fashion-mnist:
// the first 10,000 training and first 2,000 test examples, as gzipped IDX plus classes.txt.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const src = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const dest = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'resources', 'sample', 'fashion-mnist');
const take = { train: 10_000, t10k: 2_000 };

function cut(file, n, itemBytes, headerBytes) {
  const buf = zlib.gunzipSync(fs.readFileSync(path.join(src, file)));
  const head = Buffer.from(buf.subarray(0, headerBytes));
  head.writeUInt32BE(n, 4);
  return zlib.gzipSync(Buffer.concat([head, buf.subarray(headerBytes, headerBytes + n * itemBytes)]), { level: 9 });
}

fs.mkdirSync(dest, { recursive: true });
for (const [prefix, n] of Object.entries(take)) {
  fs.writeFileSync(path.join(dest, `${prefix}-images-idx3-ubyte.gz`), cut(`${prefix}-images-idx3-ubyte.gz`, n, 784, 16));
  fs.writeFileSync(path.join(dest, `${prefix}-labels-idx1-ubyte.gz`), cut(`${prefix}-labels-idx1-ubyte.gz`, n, 1, 8));
}
fs.writeFileSync(
  path.join(dest, 'classes.txt'),
  ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'].join('\n') + '\n',
);
console.log(`wrote ${dest}`);
