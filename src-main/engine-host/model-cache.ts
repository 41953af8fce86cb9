// The engine's loaded inference models (generation, surprisal, evaluation on the kernels): several at once,
// so switching between open models (or between precisions of one) does not reload them. A model is
// reloaded only when its weights file changed (training rewrites `best/`), or when more samples are asked
// at once than it was loaded for. The cache counts what each
// model really keeps resident: its weights at their precision, one sample's key/value caches (what a
// generation or a scoring touches; the other samples' reserved caches are untouched pages) and its worker
// threads; it drops the least recently used models past its budget. A LoRA adapter merged onto its base is a
// model of its own (its key names both), so a base and the adapters on it can all be open at once.
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MODEL_FILE, requireCheckpoint } from '../checkpoint';
import { ADAPTER_WEIGHTS_FILE, isAdapterFolder } from '../checkpoint/adapter';
import type { Precision } from '../shared/config';
import { loadInferenceModel, PREFILL_BATCH, type InferenceModel } from '../engine/infer';
import { userMemoryLimit } from '../engine/backend/resources';

/** What a worker thread's own V8 heap and code cost, roughly (measured: ~10 MB; counted generously). */
const WORKER_BYTES = 16 * 2 ** 20;
/** Models kept at most, whatever their size (each may hold worker threads). */
export const MAX_CACHED_MODELS = 8;

/** The default budget: half the smaller of this machine's memory and BGPT_MEMORY_LIMIT. */
export function defaultCacheBudget(): number {
  return Math.min(os.totalmem(), userMemoryLimit() ?? Infinity) / 2;
}

interface Entry {
  key: string;
  model: InferenceModel;
  bytes: number;
}

/** Memory a loaded model keeps resident once used. */
export function residentBytes(model: InferenceModel): number {
  return model.weightBytes + model.cacheBytesPerSample + model.workerThreads.length * WORKER_BYTES;
}

export class ModelCache {
  /** Least recently used first. */
  private entries: Entry[] = [];

  constructor(private readonly budget: () => number = defaultCacheBudget, private readonly maxModels = MAX_CACHED_MODELS) {}

  /**
   * The model of checkpoint `dir` at `precision` (an adapter folder merged onto `base`), able to decode `batch`
   * samples at once, loading it (and dropping old ones past the budget) if needed.
   */
  async get(dir: string, precision: Precision = 'f32', batch = PREFILL_BATCH, base?: string | null): Promise<InferenceModel> {
    const onto = base ? `+${base}@${await weightsMtime(base)}` : '';
    const key = `${dir}@${await weightsMtime(dir)}${onto}#${precision}`;
    const hit = this.entries.findIndex((e) => e.key === key && e.model.batch >= batch);
    if (hit >= 0) {
      const [e] = this.entries.splice(hit, 1);
      this.entries.push(e);
      return e.model;
    }
    // An older copy of the same weights (the file changed, or too few samples at once) is never used again.
    await this.drop((e) => e.key.startsWith(`${dir}@`) && e.key.endsWith(`#${precision}`));
    const model = await loadInferenceModel(dir, { batch: Math.max(batch, PREFILL_BATCH), precision, base });
    const entry = { key, model, bytes: residentBytes(model) };
    this.entries.push(entry);
    await this.fit();
    return model;
  }

  /** Models held now, least recently used first (their keys and resident bytes). */
  get held(): Array<{ key: string; bytes: number }> {
    return this.entries.map((e) => ({ key: e.key, bytes: e.bytes }));
  }

  /** Bytes the held models keep resident. */
  get bytes(): number {
    return this.entries.reduce((a, e) => a + e.bytes, 0);
  }

  /** Drops every model (their worker threads end). */
  async clear(): Promise<void> {
    await this.drop(() => true);
  }

  /** Drops the least recently used models while over budget; the newest always stays. */
  private async fit(): Promise<void> {
    const budget = this.budget();
    while (this.entries.length > 1 && (this.bytes > budget || this.entries.length > this.maxModels)) {
      const [old] = this.entries.splice(0, 1);
      await old.model.dispose();
    }
  }

  private async drop(which: (e: Entry) => boolean): Promise<void> {
    const gone = this.entries.filter(which);
    this.entries = this.entries.filter((e) => !which(e));
    await Promise.all(gone.map((e) => e.model.dispose()));
  }
}

/**
 * The modification time of a checkpoint's weights: a PyTorch file is its own weights file; a folder keeps them in
 * model.safetensors, an adapter folder in adapter_model.safetensors.
 */
async function weightsMtime(dir: string): Promise<number> {
  const form = await requireCheckpoint(dir);
  const weights = form === 'torch' ? dir : path.join(dir, (await isAdapterFolder(dir)) ? ADAPTER_WEIGHTS_FILE : MODEL_FILE);
  return statSync(weights, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}
