// A least-recently-used cache bounded by entries and bytes: the one eviction rule of every cache in
// the house (analysis frames, a frame's filters, results, rows, the grid's selections). Pure
// TypeScript, no Node or DOM APIs, so main and the renderer share it.

export interface LruCacheOptions<K, V> {
  /** the most entries kept (default: no limit) */
  maxEntries?: number;
  /** the most bytes kept, as `sizeOf` counts them (default: no limit) */
  maxBytes?: number;
  /** an entry's bytes, measured when it is set and again by `remeasure` (default 0) */
  sizeOf?: (value: V, key: K) => number;
}

/**
 * Entries in recency order (a `get` or `set` makes an entry the most recent). After a `set` or a
 * `remeasure`, the least recent entries go first while the cache holds more than either bound; the
 * most recent entry stays whatever its size, so what was just asked for is always kept.
 */
export class LruCache<K, V> {
  readonly #entries = new Map<K, { value: V; bytes: number }>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #sizeOf: (value: V, key: K) => number;
  #bytes = 0;

  constructor(options: LruCacheOptions<K, V> = {}) {
    this.#maxEntries = options.maxEntries ?? Infinity;
    this.#maxBytes = options.maxBytes ?? Infinity;
    this.#sizeOf = options.sizeOf ?? (() => 0);
    if (!(this.#maxEntries >= 1)) throw new RangeError(`an LRU cache keeps at least one entry (maxEntries ${this.#maxEntries})`);
    if (!(this.#maxBytes >= 0)) throw new RangeError(`an LRU cache's byte budget cannot be negative (maxBytes ${this.#maxBytes})`);
  }

  /** entries kept */
  get size(): number {
    return this.#entries.size;
  }

  /** bytes of the entries kept, as measured when each was set or last remeasured */
  get bytes(): number {
    return this.#bytes;
  }

  /** The value of a key, now the most recent entry; undefined when not kept. */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** The value of a key without changing its recency. */
  peek(key: K): V | undefined {
    return this.#entries.get(key)?.value;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** Keeps a value as the most recent entry, then evicts the least recent while over a bound. */
  set(key: K, value: V): this {
    this.delete(key);
    const bytes = this.#sizeOf(value, key);
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
    this.#evict();
    return this;
  }

  delete(key: K): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    return true;
  }

  /** Deletes every entry a test picks; returns how many went. */
  deleteWhere(test: (value: V, key: K) => boolean): number {
    let deleted = 0;
    for (const [key, { value }] of [...this.#entries]) if (test(value, key) && this.delete(key)) deleted++;
    return deleted;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** Measures every entry again (values that grew since they were set), then evicts as `set` does. */
  remeasure(): void {
    this.#bytes = 0;
    for (const [key, entry] of this.#entries) this.#bytes += entry.bytes = this.#sizeOf(entry.value, key);
    this.#evict();
  }

  /** Keys, least recent first. */
  keys(): IterableIterator<K> {
    return this.#entries.keys();
  }

  /** Values, least recent first. */
  *values(): IterableIterator<V> {
    for (const entry of this.#entries.values()) yield entry.value;
  }

  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= 1 || (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes)) return;
      this.#entries.delete(key);
      this.#bytes -= entry.bytes;
    }
  }
}
