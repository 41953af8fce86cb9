// A fine-tuned classification run against one trained from scratch on the same data (issue 22 item 6): which run
// to compare with, and the accuracy a run's best checkpoint has. Pure functions.
import type { ClassificationHistory, RunSummary } from '../../src-main/shared/contract';

/** The newest classification run on `run`'s dataset that started from random weights and has trained, if any. */
export function scratchRunFor(run: RunSummary, runs: RunSummary[]): RunSummary | null {
  if (!run.datasetId) return null;
  return runs
    .filter((r) => r.id !== run.id && r.mode === 'classification' && r.datasetId === run.datasetId && !r.fineTune && r.step > 0)
    .sort((a, b) => b.created.localeCompare(a.created))[0] ?? null;
}

/** The accuracy of the evaluation with the lowest eval loss: the one the run's best checkpoint was saved at. */
export function bestAccuracy(h: ClassificationHistory | null): number | null {
  if (!h || h.evals.length === 0) return null;
  return h.evals.reduce((best, e) => (e.loss < best.loss ? e : best)).accuracy;
}
