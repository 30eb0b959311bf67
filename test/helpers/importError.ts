// Awaits an import that must fail and returns its ImportError (failing the test otherwise).
import { expect } from 'vitest';
import { ImportError } from '../../shared/errors.js';

export async function importError(promise: Promise<unknown>): Promise<ImportError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportError);
  return err as ImportError;
}
