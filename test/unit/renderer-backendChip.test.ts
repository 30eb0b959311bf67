// The top bar's backend chip (renderer/src/backendChip.ts): on an experiment's pages it names the
// backend its runs recorded, in plain words; elsewhere the training worker's, or says nothing has
// trained yet — never "none yet" — and its tooltip says what the chip means.
import { describe, expect, it } from 'vitest';
import { backendChip, friendlyBackend } from '../../renderer/src/backendChip.js';
import { GLOSSARY } from '../../renderer/src/glossary.js';

const runs = (...backends: (string | null)[]) => backends.map((backend, i) => ({ name: `run ${i + 1}`, backend }));

describe('friendlyBackend', () => {
  it('reads each recorded backend name in words', () => {
    expect(friendlyBackend('tensorflow (CUDA)')).toBe('TensorFlow on the GPU');
    expect(friendlyBackend('tensorflow (CPU)')).toBe('TensorFlow on the CPU');
    expect(friendlyBackend('wasm (SIMD, 1 thread)')).toBe('WebAssembly (SIMD, 1 thread)');
    expect(friendlyBackend('wasm (1 thread)')).toBe('WebAssembly (1 thread)');
    expect(friendlyBackend('cpu')).toBe('plain JavaScript on the CPU');
    expect(friendlyBackend('something new')).toBe('something new');
  });
});

describe('backendChip', () => {
  it('names the backends the experiment’s runs recorded, whatever the worker uses now', () => {
    const chip = backendChip({ name: 'late KD', runs: runs('tensorflow (CPU)', 'tensorflow (CPU)', null) }, 'wasm (SIMD, 1 thread)');
    expect(chip.text).toBe('trained with TensorFlow on the CPU');
    expect(chip.backends).toEqual(['tensorflow (CPU)']);
    expect(chip.dim).toBe(false);
    expect(chip.title).toContain(GLOSSARY.backend.text);
    expect(chip.title).toContain('run 1: tensorflow (CPU)');
    expect(chip.title).toContain('run 3: not trained yet');
    const mixed = backendChip({ name: 'x', runs: runs('wasm (1 thread)', 'cpu', 'tensorflow (CUDA)') }, null);
    expect(mixed.text).toBe('trained with WebAssembly (1 thread), plain JavaScript on the CPU and TensorFlow on the GPU');
  });

  it('says an experiment has not trained yet, and names the worker in the tooltip', () => {
    const chip = backendChip({ name: 'queued', runs: runs(null, null) }, 'cpu');
    expect(chip.text).toBe('not trained yet');
    expect(chip.dim).toBe(true);
    expect(chip.title).toContain('The training worker uses cpu.');
  });

  it('away from an experiment, names the worker’s backend or says nothing has trained', () => {
    expect(backendChip(null, 'tensorflow (CPU)').text).toBe('training uses TensorFlow on the CPU');
    const idle = backendChip(null, null);
    expect(idle.text).toBe('no training this session');
    expect(idle.text).not.toMatch(/none yet/);
    expect(idle.title).toContain(GLOSSARY.backend.text);
  });
});
