// The top bar's backend chip: which compute library trained the experiment on screen (from its
// runs' recorded backend), or, away from an experiment, the one the training worker uses — in
// words a newcomer reads, with the recorded names in the tooltip.
import type { RunSummary } from '../../shared/runs.js';
import { GLOSSARY } from './glossary.js';

export interface BackendChip {
  /** the chip's words */
  text: string;
  /** the tooltip: what the chip means, then the recorded backend of each run */
  title: string;
  /** the recorded backend names the chip speaks of, as the runs store them */
  backends: string[];
  /** nothing trained yet: the chip is drawn dim */
  dim: boolean;
}

/** A recorded backend name ('tensorflow (CPU)', 'wasm (SIMD, 1 thread)', 'cpu') in plain words. */
export function friendlyBackend(name: string): string {
  const detail = /\(([^)]*)\)/.exec(name)?.[1];
  if (/^tensorflow/i.test(name)) {
    if (detail && /cuda|gpu/i.test(detail)) return 'TensorFlow on the GPU';
    if (detail && /cpu/i.test(detail)) return 'TensorFlow on the CPU';
    return 'TensorFlow';
  }
  if (/^wasm/i.test(name)) return detail ? `WebAssembly (${detail})` : 'WebAssembly';
  if (/^cpu$/i.test(name)) return 'plain JavaScript on the CPU';
  return name;
}

function list(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * The chip for the experiment on screen (`experiment` null elsewhere) given the worker's current
 * backend (null before any training started in this session).
 */
export function backendChip(experiment: { name: string; runs: readonly Pick<RunSummary, 'name' | 'backend'>[] } | null, workerBackend: string | null): BackendChip {
  const meaning = `Backend: ${GLOSSARY.backend.text}`;
  if (experiment) {
    const backends = [...new Set(experiment.runs.map((r) => r.backend).filter((b): b is string => !!b))];
    const perRun = experiment.runs.map((r) => `${r.name}: ${r.backend ?? 'not trained yet'}`).join('\n');
    if (backends.length > 0) {
      return { text: `trained with ${list(backends.map(friendlyBackend))}`, title: `${meaning}\n\nRuns of “${experiment.name}”:\n${perRun}`, backends, dim: false };
    }
    return {
      text: 'not trained yet',
      title: `${meaning}\n\nNo run of “${experiment.name}” has started training yet.${workerBackend ? ` The training worker uses ${workerBackend}.` : ''}`,
      backends: [],
      dim: true,
    };
  }
  if (workerBackend) {
    return { text: `training uses ${friendlyBackend(workerBackend)}`, title: `${meaning}\n\nThe training worker of this session uses ${workerBackend}.`, backends: [workerBackend], dim: false };
  }
  return { text: 'no training this session', title: `${meaning}\n\nNothing has trained in this session yet; the first training picks the fastest backend installed.`, backends: [], dim: true };
}
