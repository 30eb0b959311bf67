// The embedded sample: a Fashion-MNIST subset shipped in resources/, loaded into a fresh
// database once, so a new install shows a real dataset with nothing else to fetch.
import fs from 'node:fs';
import { ImportOptions } from '../../shared/domain.js';
import type { Store } from '../store/store.js';
import { sampleDatasetDir } from '../paths.js';
import { importIntoDatabase } from './importIntoDatabase.js';
import { SAMPLE_DATASET_NAME } from '../../shared/fashionMnist.js';

export { SAMPLE_DATASET_NAME };
const LOADED_KEY = 'sample_dataset_loaded';

/** Loads the sample unless this database has had it once (a user may delete it for good). */
export async function ensureSampleDataset(store: Store, dir = sampleDatasetDir()): Promise<number | null> {
  const meta = store.meta;
  if (meta.get(LOADED_KEY)) return null;
  if (!fs.existsSync(dir)) throw new Error(`the embedded sample dataset is missing: ${dir}`);
  const id = await importIntoDatabase(store, ImportOptions.parse({ path: dir, format: 'idx', name: SAMPLE_DATASET_NAME }));
  meta.set(LOADED_KEY, new Date().toISOString());
  return id;
}
