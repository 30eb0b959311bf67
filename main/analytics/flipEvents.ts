// Flip events (issue 8): per run, how many examples change their top class from one recorded
// epoch to the next and whose correctness (top class = training label) flips either way, and the
// same counts across each loss switch of a scheduled run (SPEC V3) — the last epoch under the old
// loss against `window` epochs under the new one.
import type { z } from 'zod';
import type { FlipEvents, FlipEventsArgs } from '../../shared/analytics.js';
import { ValidationError } from '../../shared/errors.js';
import { lossSwitches } from '../../shared/experimentSpec.js';
import type { RunSummary } from '../../shared/runs.js';
import type { DatasetColumns } from './datasetColumns.js';
import { splitIndexOf } from './datasetColumns.js';
import type { PredictionMatrices } from './predictionMatrices.js';
import { storedTable, topColumn } from './probabilityTable.js';

type Counts = { changed: number; rightToWrong: number; wrongToRight: number };

export function flipEvents(
  args: z.output<typeof FlipEventsArgs>,
  sources: { dataset: DatasetColumns; matrices: PredictionMatrices; experimentRuns: RunSummary[] },
): FlipEvents {
  const { dataset, matrices, experimentRuns } = sources;
  const n = dataset.ids.length;
  const si = args.split !== undefined ? splitIndexOf(dataset, args.split) : -1;
  const runs = args.runIds
    ? args.runIds.map((id) => {
        const run = experimentRuns.find((r) => r.id === id);
        if (!run) throw new ValidationError(`run ${id} is not part of experiment ${args.experimentId} (runs: ${experimentRuns.map((r) => r.id).join(', ')})`, { field: 'runIds' });
        return run;
      })
    : experimentRuns.filter((r) => r.epochsDone > 0);

  return {
    experimentId: args.experimentId,
    split: args.split ?? null,
    runs: runs.map((run) => {
      const epochs = run.epochsDone;
      // Top classes per epoch in the dataset's row order; -1 where the epoch lacks the example.
      const tops: Int32Array[] = [];
      const topAt = (epoch: number): Int32Array => {
        let top = tops[epoch];
        if (!top) {
          const m = matrices.stored(run.id, epoch);
          const table = storedTable(m);
          const rowTops = topColumn(table);
          top = tops[epoch] = new Int32Array(n).fill(-1);
          for (let r = 0; r < m.exampleIds.length; r++) {
            const row = dataset.rowOf(m.exampleIds[r]!);
            if (row !== undefined && table.recorded(r)) top[row] = rowTops[r]!;
          }
        }
        return top;
      };
      // Only examples recorded at every epoch (and in the split) are compared, so every count has the same base.
      const compared = new Uint8Array(n).fill(epochs > 0 ? 1 : 0);
      for (let e = 1; e <= epochs; e++) {
        const top = topAt(e);
        for (let i = 0; i < n; i++) if (top[i]! < 0 || (si >= 0 && dataset.split[i] !== si)) compared[i] = 0;
      }
      const count = (before: number, after: number): Counts => {
        const a = topAt(before);
        const b = topAt(after);
        const out = { changed: 0, rightToWrong: 0, wrongToRight: 0 };
        for (let i = 0; i < n; i++) {
          if (!compared[i]) continue;
          const y = dataset.trainLabel[i]!;
          if (a[i] !== b[i]) out.changed++;
          if (a[i] === y && b[i] !== y) out.rightToWrong++;
          else if (a[i] !== y && b[i] === y) out.wrongToRight++;
        }
        return out;
      };
      return {
        runId: run.id,
        name: run.name,
        role: run.role,
        n: compared.reduce((s, v) => s + v, 0),
        epochs: Array.from({ length: Math.max(0, epochs - 1) }, (_, j) => ({ epoch: j + 2, ...count(j + 1, j + 2) })),
        switches: lossSwitches(run.spec).map(({ epoch, loss: { kind: loss } }) => {
          const after = epoch + args.window;
          return { epoch, loss, before: epoch, after, counts: after <= epochs ? count(epoch, after) : null };
        }),
      };
    }),
  };
}
