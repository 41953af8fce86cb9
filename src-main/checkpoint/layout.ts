// The checkpoint vocabulary, defined once (docs/checkpoint-format.md, docs/classification.md): the files
// of a checkpoint folder, the files of a run folder beside its checkpoints, and what kind of model a
// checkpoint holds. The trainers write these names, the studio and the catalogue read them; nobody
// else spells them.
import path from 'node:path';

/** The model config, snake_case (docs/checkpoint-format.md). */
export const CONFIG_FILE = 'config.json';
/** The weights, float32, reference tensor names and layouts. */
export const MODEL_FILE = 'model.safetensors';
/** Resume state (step, schedule, data order, best eval loss) beside the weights of `last/` and `best/`. */
export const TRAIN_STATE_FILE = 'train_state.json';
/** AdamW moments of `last/`, to resume exactly. */
export const OPTIMIZER_FILE = 'optimizer.safetensors';
/** A classifier's label list, index order: its presence makes a folder a classifier checkpoint. */
export const LABELS_FILE = 'labels.json';

/** A classification run's label list and every evaluation (in the run folder, beside best/ and last/). */
export const CLASSIFICATION_FILE = 'classification.json';

/** The two checkpoints of a run folder: the best evaluation so far, and the latest state (to resume). */
export const CHECKPOINT_NAMES = ['best', 'last'] as const;
export type CheckpointName = (typeof CHECKPOINT_NAMES)[number];

/** What a checkpoint can do (generative, conversion, classifier): a word every layer shares (shared/vocabulary.ts). */
export type { CheckpointKind } from '../shared/vocabulary';

/** `<runDir>/best` or `<runDir>/last`. */
export function checkpointFolder(runDir: string, name: CheckpointName): string {
  return path.join(runDir, name);
}

/** File names PyTorch checkpoints go by: for naming an upload or a model after its file, never to recognise one. */
export const TORCH_FILE_NAME = /\.(pth|pt)$/i;

/** `weights-text.pth` → `weights-text`. */
export function withoutTorchExtension(name: string): string {
  return name.replace(TORCH_FILE_NAME, '');
}
