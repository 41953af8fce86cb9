// Migration 7: LoRA adapters as models tied to their base (docs/models.md, src-main/checkpoint/adapter.ts). An
// adapter model names its base by the sha256 of the base's weights file, kept in base_sha256, and describes itself
// in `adapter`; its own sha256/size are those of its adapter_model.safetensors. A run checkpoint can be a base too:
// checkpoints.sha256 is its model.safetensors's, computed when first needed (NULL: not yet, or an adapter folder).
// Old rows keep NULL: full models, and checkpoints not hashed yet.
import type { Migration } from './index';

const SQL = `
ALTER TABLE models ADD COLUMN base_sha256 TEXT CHECK (base_sha256 IS NULL OR (length(base_sha256) = 64 AND base_sha256 NOT GLOB '*[^0-9a-f]*'));
-- {rank, alpha, dropout, targets, levels, trainLayerNorms, trainBiases, baseName}
ALTER TABLE models ADD COLUMN adapter TEXT CHECK (adapter IS NULL OR (json_valid(adapter) AND json_type(adapter) = 'object'));
CREATE INDEX models_base_sha256 ON models(base_sha256);
ALTER TABLE checkpoints ADD COLUMN sha256 TEXT CHECK (sha256 IS NULL OR (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'));
CREATE INDEX checkpoints_sha256 ON checkpoints(sha256);
`;

export const migration007: Migration = {
  version: 7,
  name: 'lora',
  up: (tx) => tx.exec(SQL),
};
