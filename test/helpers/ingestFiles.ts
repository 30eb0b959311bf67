// Prediction files made in code for the ingest tests: .npz archives and int64 .npy vectors (as
// numpy writes them), dense Parquet with a list column (as pyarrow writes it), index CSVs, and
// named pipes where a file should be.
import { spawnSync } from 'node:child_process';
import { parquetWriteFile } from 'hyparquet-writer';
import { encodeNpy } from '../../bench/ingestFixture.js';
import { createZipWriter } from '../../main/export/zipWriter.js';

/** An .npz: each array stored as `<name>.npy` in a ZIP, as numpy.savez writes it. */
export async function npz(arrays: Record<string, Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let position = 0;
  const zip = createZipWriter({
    get position() {
      return position;
    },
    async write(chunk) {
      chunks.push(Buffer.from(chunk));
      position += chunk.length;
    },
  });
  for (const [name, bytes] of Object.entries(arrays)) await zip.addStored(`${name}.npy`, bytes);
  await zip.finish();
  return Buffer.concat(chunks);
}

/** An int64 .npy vector (NPZ index arrays). */
export function int64Npy(values: number[]): Buffer {
  const f = encodeNpy(new Float32Array(0), [values.length]);
  const header = f.toString('latin1', 0, f.length).replace("'<f4'", "'<i8'");
  const body = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => body.writeBigInt64LE(BigInt(v), 8 * i));
  return Buffer.concat([Buffer.from(header, 'latin1'), body]);
}

/** Dense predictions as Parquet: int32 keys and a list<float> column `probs`, one row per key (rows may differ in length). */
export function writeDenseParquet(file: string, keys: Int32Array | number[], rows: number[][]): void {
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'example', data: Int32Array.from(keys) },
      { name: 'probs', data: rows },
    ],
    schema: [
      { name: 'root', num_children: 2 },
      { name: 'example', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'probs', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
    ],
  });
}

/** An NPY index CSV: the header line, then one key a line (line k + 2 names array row k). */
export function indexCsv(keys: readonly (number | string)[], header = 'example'): string {
  return [header, ...keys].join('\n') + '\n';
}

/** A named pipe at `file` (mkfifo(1); Node has no call for it), or false where there is none (Windows). */
export function makeFifo(file: string): boolean {
  const made = spawnSync('mkfifo', [file]);
  return made.status === 0;
}
