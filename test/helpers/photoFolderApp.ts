// An app under test with a generated folder of mixed-size photos beside it (bench/imageFixture.ts),
// made before each test and removed after: the reference store's export and preview tests.
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { writePhotoFolder } from '../../bench/imageFixture.js';
import { startAppUnderTest, type AppUnderTest } from './appUnderTest.js';
import { makeTempDir } from './tempDir.js';

export interface PhotoFolderApp {
  app: AppUnderTest;
  temp: ReturnType<typeof makeTempDir>;
  /** the photos: <root>/class<k>/<n>.<jpg|png|webp> */
  root: string;
}

export function usePhotoFolderApp(photos: number, options: Parameters<typeof writePhotoFolder>[2]): PhotoFolderApp {
  const state = {} as PhotoFolderApp;
  beforeEach(async () => {
    state.app = await startAppUnderTest();
    state.temp = makeTempDir();
    state.root = path.join(state.temp.dir, 'photos');
    await writePhotoFolder(state.root, photos, options);
  });
  afterEach(async () => {
    await state.app.dispose();
    state.temp.dispose();
  });
  return state;
}
