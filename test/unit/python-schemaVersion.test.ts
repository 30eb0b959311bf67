// The Python package refuses a database newer than it knows: a migration here must raise its
// SCHEMA_VERSION too, or it refuses every database the app writes from then on.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../main/store/migrations.js';

describe('the Python package', () => {
  it('reads the schema the app writes', () => {
    const reader = fs.readFileSync('python/disobey/reader.py', 'utf8');
    expect(Number(/^SCHEMA_VERSION = (\d+)$/m.exec(reader)?.[1])).toBe(SCHEMA_VERSION);
  });
});
