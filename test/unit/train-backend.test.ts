// Backend choice: the best available one when none is asked for, the one asked for when it
// runs, and a clear refusal (not a silent fall-back) when it does not.
import { describe, expect, it } from 'vitest';
import { selectBackend, wasmBinaryFolder } from '../../main/train/backend.js';
import { DomainError } from '../../shared/errors.js';
import fs from 'node:fs';
import path from 'node:path';

async function installed(pkg: string): Promise<boolean> {
  try {
    await import(pkg);
    return true;
  } catch {
    return false;
  }
}

describe('selectBackend', () => {
  it('starts wasm from the package folder as a plain path, with the gradient kernels registered', async () => {
    expect(fs.existsSync(path.join(wasmBinaryFolder(), 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
    const { kind, name, tf } = await selectBackend('wasm');
    expect(kind).toBe('wasm');
    expect(name).toMatch(/^wasm \((SIMD, )?1 thread\)$/);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('starts cpu when asked, and can switch back and forth', async () => {
    expect((await selectBackend('cpu')).tf.getBackend()).toBe('cpu');
    expect((await selectBackend('wasm')).tf.getBackend()).toBe('wasm');
    expect((await selectBackend('cpu')).name).toBe('cpu');
  });

  it('refuses a native backend whose package is missing, saying which and why', async () => {
    if (await installed('@tensorflow/tfjs-node-gpu')) return; // nothing to refuse on this machine
    const err = await selectBackend('tensorflow-gpu').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).message).toContain("the 'tensorflow-gpu' backend is not available here");
    expect((err as DomainError).place.field).toBe('backend');
  });

  it('picks the best available backend when none is asked for', async () => {
    const native = (await installed('@tensorflow/tfjs-node-gpu')) || (await installed('@tensorflow/tfjs-node'));
    const { kind } = await selectBackend();
    if (native) expect(['tensorflow-gpu', 'tensorflow']).toContain(kind);
    else expect(kind).toBe('wasm');
  });
});
