// Builds IDX files in memory for the importer tests: the big-endian header, then the bytes.

export function encodeIdx(dims: number[], data: Uint8Array, dtype = 0x08): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = dtype;
  header[3] = dims.length;
  dims.forEach((n, i) => header.writeUInt32BE(n, 4 + 4 * i));
  return Buffer.concat([header, data]);
}
