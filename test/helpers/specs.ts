// Experiment-spec inputs for tests: a small run to override field by field, and the DomainError a
// spec that must be refused throws (failing the test otherwise).
import { expect } from 'vitest';
import { DomainError } from '../../shared/errors.js';
import type { RunSpecInput } from '../../shared/experimentSpec.js';

/** A run spec input: 'student', an MLP with one hidden layer of 64, Adam at 0.001, batches of 32, 4 epochs, seed 7 — with `overrides`. */
export function runSpecInput(overrides: Partial<RunSpecInput> = {}): RunSpecInput {
  return { name: 'student', model: { arch: 'mlp', hidden: [64] }, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 32, epochs: 4, seed: 7, ...overrides };
}

/** Runs a parse that must refuse its spec and returns the DomainError it threw. */
export function refusal(parse: () => unknown): DomainError {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected the spec to be refused');
}
