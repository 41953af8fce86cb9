// Value types and schemas every domain of the contract shares: backends, ids, extensions, bytes, a
// model config, and the one way a request names a checkpoint (a run's best/last, or a model).
import { z } from 'zod';
import { CONFIG_LIMITS as CL, type Range } from '../defaults';
import type { CheckpointKind, Modality, RunStatus, Validity } from '../vocabulary';
import type { GpuAdapterInfo } from '../adapter';
import type { LoraLevel, LoraSettings, LoraTarget } from '../lora';

export type { LoraLevel, LoraSettings, LoraTarget };

/** The LoRA side of a run or model: its adapter's settings (shared/lora.ts). */
export interface LoraInfo {
  rank: number;
  alpha: number;
  targets: LoraTarget[];
  levels: LoraLevel[];
}

export type { CheckpointKind, Modality, RunStatus };
/** The GPU adapter the webgpu backend runs on: defined in ../adapter (the catalogue keeps it with each run too). */
export type { GpuAdapterInfo };

/** TF.js backends in order of preference (docs/ARCHITECTURE.md). */
export type BackendName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';

/** What the engine computes on: the backend, its GPU adapter (webgpu only), and why better ones were passed over. */
export interface EngineInfo {
  backend: BackendName;
  adapter: GpuAdapterInfo | null;
  /** One line per backend of the ladder that was tried and declined (e.g. "webgpu: no WebGPU adapter …"). */
  skipped: string[];
}
export type RunMode = 'generative' | 'conversion' | 'classification';
export type Verdict = Validity;
/** Times are ISO-8601 strings in UTC everywhere in the API. */
export type IsoTime = string;

/** An integer within one of the shared bounds (src-main/shared/defaults.ts). */
export const int = (r: Range) => z.number().int().min(r.min).max(r.max);

/** Model hyper-parameters, camelCase (config.json on disk is snake_case, docs/checkpoint-format.md). */
export const modelConfigSchema = z.object({
  patchSize: int(CL.patchSize),
  patchLength: int(CL.patchLength),
  hiddenSize: int(CL.hiddenSize),
  patchNumLayers: int(CL.layers),
  byteNumLayers: int(CL.layers),
  numHeads: int(CL.numHeads).optional(),
});
export type ModelConfigInput = z.infer<typeof modelConfigSchema>;

export const id = z.string().min(1).max(200);
/** Same rule as the files the studio writes (catalogue/paths.ts checkExt), so a bad one is refused here, not after generating. */
export const ext = z.string().trim().toLowerCase().pipe(z.string().regex(/^[a-z0-9]{1,16}$/, 'extension: 1–16 letters or digits (mid, abc, bmp, wav, txt…)'));
export const bytes = z.instanceof(Uint8Array);
/** A file sent with a request (upload, prompt, input to convert or classify). */
export const namedBytes = z.object({ name: z.string().min(1).max(1000), bytes });

/**
 * A checkpoint a request names: one of a run's two checkpoints, or a model of the catalogue. Both are
 * ids the studio looks up in its catalogue; a request never names a path (docs/security.md).
 */
export const checkpointRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('run'), runId: id, checkpoint: z.enum(['best', 'last']).default('best') }),
  z.object({ kind: z.literal('model'), modelId: id }),
]);
/** As a caller writes it (`checkpoint` may be left out: best). */
export type CheckpointRef = z.input<typeof checkpointRefSchema>;
/** As a service receives it. */
export type CheckpointRefParsed = z.output<typeof checkpointRefSchema>;
