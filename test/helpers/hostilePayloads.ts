// Seeded hostile arguments for contract calls: wrong types, NaN and infinities, bad ids, huge
// strings, path traversal, SQL fragments, deep nesting and prototype keys, either on their own or
// planted into a valid call's arguments. Only payloads the call's schema refuses *as the server
// sees them* (after JSON or structured clone) are kept, so none of them may reach a handler.
import { createRandom, type SeededRandom } from '../../shared/seededRandom.js';

/** Just under the HTTP body limit (1 MiB) once quoted: reaches the JSON parser. */
export const NEAR_LIMIT_STRING = 'A'.repeat(1_000_000);
/** Over the HTTP body limit: answered 413 before any parsing. */
export const OVER_LIMIT_STRING = 'B'.repeat(1_100_000);
/** 1.2 MB of two-byte UTF-8 characters in 600,000 UTF-16 units. */
export const MULTIBYTE_STRING = 'é'.repeat(600_000);

export const TRAVERSAL_STRINGS = [
  '../../etc/passwd',
  '../../../../../../../../etc/shadow',
  '..\\..\\windows\\system32\\config\\sam',
  '/etc/passwd',
  '/proc/self/environ',
  'C:\\Windows\\win.ini',
  '\\\\evil-host\\share\\x',
  'file:///etc/passwd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/tmp/x\0.csv',
  'a\0b',
  '\0',
  '....//....//etc/passwd',
  '~/.ssh/id_rsa',
];

export const SQL_STRINGS = [
  '1; DROP TABLE examples',
  "' OR 1=1 --",
  '" OR ""="',
  "1' UNION SELECT * FROM sqlite_master --",
  "'); DELETE FROM datasets; --",
  '1 OR 1=1',
  "x'; ATTACH DATABASE '/tmp/pwn.db' AS pwn; --",
  '*/ DROP TABLE runs; /*',
  'NULL',
  '%',
  '_',
];

const ODD_STRINGS = [
  '',
  ' ',
  '\t\n',
  '1',
  '-1',
  '0',
  'NaN',
  'Infinity',
  '1e308',
  '0x10',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
  '<script>alert(1)</script>',
  '${7*7}',
  '\uD800',
  '\uFEFF',
  '\u202E',
  '🙂'.repeat(50),
  'x'.repeat(5000),
  'train; rm -rf /',
  'teacher-top ',
  'CSV',
];

const HOSTILE_NUMBERS = [
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  -1,
  -(2 ** 31),
  0.5,
  1.5,
  -1.5,
  1e-300,
  2 ** 53,
  2 ** 60,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER,
];

/** Deeper than this, a structured clone (IPC) overflows the stack in the sender, before any call; raw HTTP bodies go deeper. */
const MAX_CLONE_DEPTH = 800;

export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const ODD_KEYS = [...PROTOTYPE_KEYS, '', ' ', 'id', 'ID', 'sql', "'; DROP TABLE examples; --", '../x', '\0', 'a.b', '0', 'x'.repeat(2000)];

/** An object or array nested `depth` levels deep. */
export function deeplyNested(depth: number, kind: 'object' | 'array' = 'object'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = kind === 'object' ? { a: value } : [value];
  return value;
}

/** An object with an own (not inherited) key, as JSON.parse or a structured clone would make it. */
function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

function pick<T>(rng: SeededRandom, list: readonly T[]): T {
  return list[rng.int(list.length)] as T;
}

/** One hostile value; `huge`: a 1 MB+ string (kept rare: they cost time). */
export function hostileValue(rng: SeededRandom, huge = false): unknown {
  if (huge) return pick(rng, [NEAR_LIMIT_STRING, OVER_LIMIT_STRING, MULTIBYTE_STRING]);
  switch (rng.int(11)) {
    case 0:
    case 1:
      return pick(rng, HOSTILE_NUMBERS);
    case 2:
      return pick(rng, TRAVERSAL_STRINGS);
    case 3:
      return pick(rng, SQL_STRINGS);
    case 4:
      return pick(rng, ODD_STRINGS);
    case 5:
      return pick(rng, [null, true, false, undefined]);
    case 6:
      return pick<unknown>(rng, [[], [1], [null], [NaN, -1], ['1'], [[[]]], [{}], new Array(3)]);
    case 7:
      return pick<unknown>(rng, [{}, { id: 1 }, { $gt: 0 }, { length: 1e9 }, JSON.parse('{"__proto__":{"polluted":true}}'), { constructor: { prototype: { polluted: true } } }]);
    case 8:
      return deeplyNested(1 + rng.int(MAX_CLONE_DEPTH), rng.int(2) ? 'object' : 'array');
    case 9:
      return String(pick(rng, HOSTILE_NUMBERS));
    default:
      return pick(rng, [...TRAVERSAL_STRINGS, ...SQL_STRINGS]).repeat(1 + rng.int(200));
  }
}

/** A payload that is not an object at all (or an array pretending to be one). */
function wrongTopLevel(rng: SeededRandom, base: unknown, huge: boolean): unknown {
  if (huge) return hostileValue(rng, true);
  switch (rng.int(5)) {
    case 0:
      return pick<unknown>(rng, [null, 0, -1, NaN, Infinity, true, false, '', '{}', 'null']);
    case 1:
      return [base];
    case 2:
      return pick<unknown>(rng, [[], [1, 2], [[]], deeplyNested(MAX_CLONE_DEPTH, 'array')]);
    case 3:
      return JSON.stringify(base);
    default:
      return hostileValue(rng);
  }
}

type Container = Record<string, unknown> | unknown[];

/** Every object or array inside `value`, with `value` itself first. */
function containers(value: unknown, found: Container[] = []): Container[] {
  if (value !== null && typeof value === 'object') {
    found.push(value as Container);
    for (const child of Object.values(value)) containers(child, found);
  }
  return found;
}

/** `base` (a valid call's arguments) with one to three hostile edits somewhere inside it. */
function plantedIn(rng: SeededRandom, base: unknown, huge: boolean): unknown {
  const copy = structuredClone(base);
  const edits = 1 + (rng.int(4) === 0 ? 1 + rng.int(2) : 0);
  const all = containers(copy); // the base's own objects: a second edit never lands inside the first
  for (let e = 0; e < edits; e++) {
    const target = all[rng.int(all.length)]!;
    const keys = Object.keys(target);
    const action = huge && e === 0 ? 0 : rng.int(10);
    const value = hostileValue(rng, huge && e === 0);
    if (action < 5 && keys.length) {
      const key = pick(rng, keys);
      if (Array.isArray(target)) target[Number(key)] = value;
      else withOwnKey(target, key, value);
    } else if (action < 7 && keys.length) {
      const key = pick(rng, keys);
      if (Array.isArray(target)) target.splice(Number(key), 1);
      else delete target[key];
    } else if (Array.isArray(target)) {
      target.push(value);
    } else {
      withOwnKey(target, pick(rng, ODD_KEYS), rng.int(3) || huge ? value : 1);
    }
  }
  return copy;
}

export interface HostileOptions {
  seed: number;
  count: number;
  /** how many payloads may carry a 1 MB+ string */
  huge: number;
  /** true when the call's schema refuses the payload as every transport delivers it */
  refused: (payload: unknown) => boolean;
}

/**
 * `count` distinct-by-construction payloads for one call, all refused by its schema: about a
 * fifth wrong at the top level, the rest a valid `base` with hostile edits planted in it.
 */
export function hostilePayloads(base: unknown, { seed, count, huge, refused }: HostileOptions): unknown[] {
  const rng = createRandom(seed);
  const payloads: unknown[] = [];
  let hugeLeft = huge;
  for (let attempt = 0; payloads.length < count; attempt++) {
    if (attempt > count * 50) throw new Error(`only ${payloads.length} of ${count} hostile payloads after ${attempt} attempts`);
    const huge = hugeLeft > 0 && rng.int(8) === 0;
    const payload = rng.int(5) === 0 ? wrongTopLevel(rng, base, huge) : plantedIn(rng, base, huge);
    if (!refused(payload)) continue;
    if (huge) hugeLeft--;
    payloads.push(payload);
  }
  return payloads;
}

export function containsHuge(payload: unknown): boolean {
  return containers(payload).some((c) => Object.values(c).some((v) => v === NEAR_LIMIT_STRING || v === OVER_LIMIT_STRING || v === MULTIBYTE_STRING)) ||
    payload === NEAR_LIMIT_STRING || payload === OVER_LIMIT_STRING || payload === MULTIBYTE_STRING;
}

/**
 * Bodies no JSON encoder writes — NaN, Infinity, comments, single quotes, truncation, a BOM,
 * bad UTF-8, 100,000 levels of nesting — plus JSON that parses to oddities (1e400 is Infinity,
 * duplicate keys, an own "__proto__"). `id` is the call's id field, `text` its JSON.
 */
export function rawBodies(id: string, text: string): (string | Buffer)[] {
  const inner = text.replace(/^\{|\}$/g, '');
  const sep = inner ? ',' : '';
  return [
    `{"${id}": NaN}`,
    `{"${id}": Infinity}`,
    `{"${id}": -Infinity}`,
    `{"${id}": 1e400}`,
    `{"${id}": -1e400}`,
    `{"${id}": -0}`,
    `{"${id}": 0x10}`,
    `{"${id}": 01}`,
    `{"${id}": .5}`,
    `{"${id}": undefined}`,
    `{'${id}': 1}`,
    `{${id}: 1}`,
    `${text.slice(0, -1)},}`,
    `${text}/* comment */`,
    text.slice(0, Math.max(1, text.length - 1)),
    `\uFEFF${text}`,
    `${text}${text}`,
    `[${text}]`,
    `"${text.replace(/"/g, '\\"')}"`,
    `{${inner}${sep}"${id}": "1; DROP TABLE examples"}`,
    `{"__proto__": ${text}}`,
    `{${inner}${sep}"__proto__": {"polluted": true}}`,
    `{${inner}${sep}"constructor": {"prototype": {"polluted": true}}}`,
    `{"${id}": "x", ${inner}${sep}"${id}": "' OR 1=1 --"}`,
    '[' .repeat(100_000) + ']'.repeat(100_000),
    '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
    'null',
    '0',
    '"../../etc/passwd"',
    ' ',
    '\0',
    Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    Buffer.concat([Buffer.from(`{${inner}${sep}"x": "`), Buffer.alloc(1_200_000, 0x41), Buffer.from('"}')]),
  ];
}
