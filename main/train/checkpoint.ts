// A run's checkpoint as one BLOB: a little JSON header (array lengths, optimiser kind and
// step) followed by every Float32 array back to back. Enough to resume exactly. Extra trained
// variables that are not part of the model (a contrastive loss's projection heads) follow the
// optimiser slots, so `weights` always loads into the model alone.
import type { OptimizerState } from './optimizers.js';

export interface Checkpoint {
  weights: Float32Array[];
  optimizer: OptimizerState;
  /** projection heads of a contrastive loss (student's, then teacher's); empty when none */
  heads?: Float32Array[];
}

interface Header {
  version: 1;
  weights: number[];
  optimizer: { kind: OptimizerState['kind']; step: number; slots: number[] };
  /** absent in checkpoints written before heads existed */
  heads?: number[];
}

export function encodeCheckpoint({ weights, optimizer, heads = [] }: Checkpoint): Buffer {
  const header: Header = {
    version: 1,
    weights: weights.map((w) => w.length),
    optimizer: { kind: optimizer.kind, step: optimizer.step, slots: optimizer.slots.map((s) => s.length) },
    ...(heads.length > 0 ? { heads: heads.map((h) => h.length) } : {}),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad the header so the float data starts 4-byte aligned.
  const headerBytes = 4 + json.length + ((4 - (json.length % 4)) % 4);
  const floats = [...weights, ...optimizer.slots, ...heads];
  const total = headerBytes + floats.reduce((n, a) => n + a.byteLength, 0);
  const out = Buffer.alloc(total);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  let offset = headerBytes;
  for (const a of floats) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, offset);
    offset += a.byteLength;
  }
  return out;
}

export function decodeCheckpoint(blob: Uint8Array): Checkpoint {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const jsonLength = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + jsonLength).toString('utf8')) as Header;
  if (header.version !== 1) throw new Error(`unknown checkpoint version ${String(header.version)}`);
  let offset = 4 + jsonLength + ((4 - (jsonLength % 4)) % 4);
  const take = (length: number) => {
    const copy = new Float32Array(length);
    new Uint8Array(copy.buffer).set(buf.subarray(offset, offset + length * 4));
    offset += length * 4;
    return copy;
  };
  const weights = header.weights.map(take);
  const slots = header.optimizer.slots.map(take);
  const heads = (header.heads ?? []).map(take);
  if (offset !== buf.length) throw new Error(`checkpoint size mismatch: ${buf.length} bytes, header describes ${offset}`);
  return { weights, optimizer: { kind: header.optimizer.kind, step: header.optimizer.step, slots }, heads };
}
