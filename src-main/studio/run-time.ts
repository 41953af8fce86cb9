// How long a run will take before it starts (docs/walkthrough.md, "Time"): the running seconds per
// step measured on this machine by an earlier run of the same model shape — the same batch if there
// is one, else scaled by the batch — from the catalogue's recorded steps (migration 005). Nothing
// comparable measured: no figure, said so, rather than a guess.
import type { Catalogue } from '../catalogue/catalogue';
import type { BGPTConfig } from '../shared/config';
import { PACE_STEPS, secondsPerStep, type PacePoint } from '../shared/eta';
import type { RunMode } from '../shared/contract';
import type { StoredRunConfig } from './mappers';

/** Earlier runs looked at, newest first: the recent ones were measured on the machine as it is now. */
const CANDIDATE_RUNS = 12;
/** A pace over so few steps is mostly start-up noise. */
const MIN_MEASURED_STEPS = 3;

export interface MeasuredPace {
  secondsPerStep: number;
  /** In the user's words: which run measured it, and whether it was scaled to this batch. */
  basis: string;
}

/** A model shape as a key: two configs are the same model when these agree. */
export function shapeKey(c: Pick<BGPTConfig, 'patchSize' | 'patchLength' | 'hiddenSize' | 'patchNumLayers' | 'byteNumLayers' | 'numHeads'>): string {
  return [c.patchSize, c.patchLength, c.hiddenSize, c.patchNumLayers, c.byteNumLayers, c.numHeads].join('/');
}

/**
 * The pace this run would train at, from the newest earlier run of the same shape and mode on this
 * backend (any backend when the engine has not said which it runs), or null when none measured one.
 */
export async function measuredPace(
  catalogue: Catalogue,
  want: { config: BGPTConfig; mode: RunMode; batch: number; backend: string | null },
): Promise<MeasuredPace | null> {
  const key = shapeKey(want.config);
  const runs = (await catalogue.listRuns())
    .filter((r) => r.mode === want.mode && (want.backend === null || r.backend === want.backend))
    .filter((r) => {
      const model = (r.config as unknown as StoredRunConfig)?.model;
      return !!model && shapeKey(model) === key;
    })
    .sort((a, b) => b.created - a.created)
    .slice(0, CANDIDATE_RUNS);
  const effective = (r: (typeof runs)[number]) => {
    const h = (r.config as unknown as StoredRunConfig).hyper;
    return h.batchSize * h.accumulation;
  };
  // The same batch first: its pace needs no scaling.
  runs.sort((a, b) => Number(effective(b) === want.batch) - Number(effective(a) === want.batch));
  for (const run of runs) {
    const points: PacePoint[] = await catalogue.recentRunSeconds(run.id, PACE_STEPS + 1);
    if (points.length < MIN_MEASURED_STEPS) continue;
    // The recent pace, as the run monitor measures it: past the first steps' warm-up.
    const pace = secondsPerStep(points);
    if (pace === null) continue;
    const theirs = effective(run);
    if (theirs === want.batch) return { secondsPerStep: pace, basis: `measured on this machine by run “${run.name}”` };
    return { secondsPerStep: (pace * want.batch) / theirs, basis: `from run “${run.name}” (batch ${theirs}), scaled to batch ${want.batch}` };
  }
  return null;
}
