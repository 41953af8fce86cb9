// The checkpoint reference a choice stands for. A select holds an id; the lists it was built from say
// whether it is a model's (the model file itself) or a run's (its best or last checkpoint), so the
// request names it as such (shared/contract CheckpointRef) instead of an overloaded id.
import type { CheckpointRef } from '../../src-main/shared/contract';

/** A model's reference when `id` is one of `models`, else the run's `checkpoint`. */
export function checkpointRef(id: string, checkpoint: 'best' | 'last', models: readonly { id: string }[]): CheckpointRef {
  return models.some((m) => m.id === id) ? { kind: 'model', modelId: id } : { kind: 'run', runId: id, checkpoint };
}

/** The id a reference names (for selects and lookups). */
export function refId(ref: CheckpointRef): string {
  return ref.kind === 'model' ? ref.modelId : ref.runId;
}
