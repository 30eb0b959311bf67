// A large set of example ids in an eighth of a byte per id: a brush over a million points can hold
// hundreds of thousands of examples, which as a JSON list of ids outgrow a request (web mode takes
// 1 MiB) and are re-sent with every page of the grid. Bit k of `bits` (base64, least significant
// bit of each byte first) says whether example id `first + k` is in the set.

export interface ExampleIdSet {
  first: number;
  bits: string;
}

const CHUNK = 0x8000;

function idExtent(ids: ArrayLike<number>): [number, number] {
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i]! < first) first = ids[i]!;
    if (ids[i]! > last) last = ids[i]!;
  }
  return [first, last];
}

/** The set of `ids` (any order, duplicates allowed; at least one id). */
export function encodeExampleIdSet(ids: ArrayLike<number>): ExampleIdSet {
  if (ids.length === 0) throw new Error('encodeExampleIdSet: an empty set has no first id');
  const [first, last] = idExtent(ids);
  const bytes = new Uint8Array(Math.floor((last - first) / 8) + 1);
  for (let i = 0; i < ids.length; i++) {
    const k = ids[i]! - first;
    bytes[k >> 3]! |= 1 << (k & 7);
  }
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return { first, bits: btoa(binary) };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Why `bits` is not base64 that `atob` decodes, or undefined when it is: only A–Z a–z 0–9 + /,
 * `=` padding only at the end and only to a multiple of four characters, and never 4k + 1
 * characters of data (a leftover 6 bits make no byte). Checked by the filter's schema, so a bad
 * set is refused by field rather than thrown from `atob` deep in a query.
 */
export function exampleIdSetBitsProblem(bits: string): string | undefined {
  if (!BASE64.test(bits)) return 'not base64: only A–Z, a–z, 0–9, + and / with at most two = at the end';
  const data = bits.length - padding(bits);
  if (data < bits.length && bits.length % 4 !== 0) return `not base64: = padding must make the length a multiple of 4, got ${bits.length} characters`;
  if (data % 4 === 1) return `not base64: ${data} characters of data (4k + 1) do not decode to whole bytes`;
  return undefined;
}

function padding(bits: string): number {
  return bits.endsWith('==') ? 2 : bits.endsWith('=') ? 1 : 0;
}

/** Bytes that `bits` decodes to (it passed exampleIdSetBitsProblem). */
function decodedLength(bits: string): number {
  return Math.floor(((bits.length - padding(bits)) * 3) / 4);
}

/** Why the set's last id (first + 8 × bytes − 1) is not an exact integer, or undefined when it is. */
export function exampleIdSetExtentProblem(set: ExampleIdSet): string | undefined {
  const bytes = decodedLength(set.bits);
  return set.first + bytes * 8 - 1 > Number.MAX_SAFE_INTEGER ? `${bytes} bytes of bits from first id ${set.first} reach past the largest id, ${Number.MAX_SAFE_INTEGER}` : undefined;
}

/** A membership test for the set; a `bits` that is not base64 throws. */
export function exampleIdSetTest(set: ExampleIdSet): (id: number) => boolean {
  const binary = atob(set.bits);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return (id) => {
    const k = id - set.first;
    return k >= 0 && k < bytes.length * 8 && (bytes[k >> 3]! & (1 << (k & 7))) !== 0;
  };
}

/** Up to this many ids a selection stays a plain list, as readable as before in any request. */
const LIST_UP_TO = 10_000;

/**
 * A filter clause holding exactly `ids` (at least one): the JSON list of ids, or — past ten
 * thousand ids, when it is smaller — the bit set.
 */
export function exampleIdClause(ids: readonly number[]): { exampleIds: number[] } | { exampleIdSet: ExampleIdSet } {
  const [first, last] = idExtent(ids);
  const span = last - first + 1;
  const listBytes = ids.length * (String(last).length + 1); // an id and its comma
  const setBytes = Math.ceil(span / 8 / 3) * 4;
  return ids.length > LIST_UP_TO && setBytes < listBytes ? { exampleIdSet: encodeExampleIdSet(ids) } : { exampleIds: [...ids] };
}
