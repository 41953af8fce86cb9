// What a checkpoint says about files, one service for every front end: each file's loss (`bgpt eval`,
// the Models view's "evaluate a dataset"), the bits of every byte (the viewer's surprisal: on the cached
// inference kernels, and its mean IS the file's score as evaluation computes it), the labels of a
// classifier (`bgpt classify`, the Classify view), and CPU-state accuracy (`bgpt cpu evaluate`). A LoRA adapter goes to
// the engine with its base (the resolver found it), merged there at load.
import { promises as fs } from 'node:fs';
import type { Catalogue } from '../catalogue/catalogue';
import type { EngineHost } from '../engine-host/host';
import type { ClassifyOutcome, EvaluateOutcome } from '../engine-host/jobs';
import { CPU_EXTENSION, evaluateTraces, type Evaluation } from '../formats/cpu';
import type { InputFile } from '../node/input-file';
import type { ClassifyResult, FileBytes, ModelEvaluation, ModelEvaluateRequestParsed, ScoringBackend, SurprisalResult } from '../shared/contract';
import { UserError } from '../shared/errors';
import { configFromJson, estimateInferenceMemoryBytes, type BGPTConfig, type Precision } from '../shared/config';
import { assertFits, memoryLimits } from '../engine/backend/resources';
import { humanBytes } from './download';
import { extOf } from '../shared/patches';
import { randomBytes } from 'node:crypto';
import { resolveCheckpoint, type CheckpointSpec } from './checkpoints';

/**
 * Refuses, before any file is read, an evaluation whose files and model do not fit in memory (docs/
 * security.md, "Unbounded memory"): the files are read here, sent to the engine (base64 in its
 * messages) and held there, about three copies, beside the model's weights. Up to 10,000 files of up
 * to 64 MiB could otherwise be read by one request.
 */
export function assertEvaluationFits(count: number, fileBytes: number, config: BGPTConfig | null): void {
  const model = config ? estimateInferenceMemoryBytes(config) : 0;
  assertFits(`evaluating ${count} file(s) of ${humanBytes(fileBytes)}`, 3 * fileBytes + model, memoryLimits(null),
    'evaluate fewer files (a lower limit) or a split with smaller files');
}

/** Greedy decoding: CPU-state accuracy asks for the model's most likely state, not a sample. */
const CPU_EVAL_SAMPLING = { topK: 1, topP: 1, temperature: 1, seed: 0 } as const;

export interface EvaluateFilesOptions {
  /** Always the inference kernels (`bgpt eval --fast`). */
  fast?: boolean;
  /** The weights' format on the kernels (f16 and q8 always score there). */
  precision?: Precision;
  /** Told why the kernels were chosen (one line). */
  onNote?: (line: string) => void;
}

/**
 * The service needs no studio home for a checkpoint named by a trusted path (the CLI scores a folder
 * or `.pth` without creating or opening one): `catalogue` is then null.
 */
export class ScoringService {
  constructor(
    private readonly catalogue: Catalogue | null,
    private readonly engine: EngineHost,
  ) {}

  /** Each file's loss under a checkpoint (TF.js, or the kernels when it would not fit), as `bgpt eval` reports it. */
  async evaluateFiles(from: CheckpointSpec, files: InputFile[], opts: EvaluateFilesOptions = {}): Promise<EvaluateOutcome> {
    const resolved = await resolveCheckpoint(this.catalogue, from);
    if (resolved.kind === 'classifier') throw new UserError('this checkpoint is a classifier: it has no byte losses to evaluate (use classify)', 'BAD_KIND');
    const jobId = `eval_${randomBytes(6).toString('hex')}`;
    return this.engine.callJob('evaluate', { jobId, checkpoint: resolved.path, base: resolved.base?.path ?? null, files, fast: opts.fast, precision: opts.precision }, (e) => { if (e.name === 'note') opts.onNote?.(e.payload.line); });
  }

  /** The loss of each file of a dataset split under a checkpoint (at most `limit` files, by name): a quick estimate, not an hour's wait. */
  async evaluateDataset(req: ModelEvaluateRequestParsed): Promise<ModelEvaluation> {
    if (!this.catalogue) throw new Error('evaluating a dataset needs the studio catalogue');
    const resolved = await resolveCheckpoint(this.catalogue, req.from);
    const name = resolved.model?.name ?? resolved.run?.name ?? 'this checkpoint';
    if (resolved.kind === 'classifier') throw new UserError(`'${name}' is a classifier: it has no byte losses to evaluate`, 'BAD_KIND');
    const dataset = await this.catalogue.getDataset(req.datasetId);
    if (!dataset) throw new UserError(`no dataset '${req.datasetId}'`, 'NOT_FOUND');
    const rows = (await this.catalogue.listDatasetFiles(dataset.id, req.split === 'all' ? undefined : req.split)).filter((f) => !f.missing);
    if (rows.length === 0) {
      // A dataset without an eval split: say what to do instead (the Models view offers its training files).
      const offer = req.split === 'eval' ? ': it has no eval split; evaluate its training files (split train) instead' : ' to evaluate';
      throw new UserError(`dataset '${dataset.name}' has no ${req.split === 'all' ? '' : `${req.split} `}files${offer}`, 'BAD_INPUT');
    }
    const chosen = rows.slice(0, req.limit);
    const config = resolved.model ? configFromJson(resolved.model.config, `model ${resolved.model.name}`) : resolved.run ? (resolved.run.config as unknown as BGPTConfig) : null;
    assertEvaluationFits(chosen.length, chosen.reduce((n, f) => n + f.size, 0), config);
    const files: InputFile[] = [];
    for (const f of chosen) files.push({ name: f.originalName, ext: f.ext, bytes: new Uint8Array(await fs.readFile(f.path)) });
    this.engine.setActivity(`evaluating ${name}`);
    try {
      const r = await this.engine.call('evaluate', { checkpoint: resolved.path, base: resolved.base?.path ?? null, files });
      return {
        from: req.from, datasetId: dataset.id, backend: r.backend as ScoringBackend, meanLoss: r.meanLoss, meanBitsPerByte: r.meanBitsPerByte,
        files: r.files.map((f, i) => ({ name: files[i]?.name ?? f.path, loss: f.loss, bitsPerByte: f.bitsPerByte })),
      };
    } finally {
      this.engine.setActivity(null);
    }
  }

  /**
   * Bits of every byte of a file under a checkpoint, on the engine's cached inference kernels; the mean
   * shown is the file's bits per byte exactly as evaluation computes it (engine/infer/score.ts).
   */
  async surprisal(file: FileBytes, from: CheckpointSpec): Promise<SurprisalResult> {
    if (file.bytes.length === 0) throw new UserError('the file is empty', 'BAD_INPUT');
    const resolved = await resolveCheckpoint(this.catalogue, from);
    if (resolved.kind === 'classifier') throw new UserError('this checkpoint is a classifier: it gives no per-byte surprisal', 'BAD_KIND');
    const out = await this.engine.call('surprisal', { checkpoint: resolved.path, base: resolved.base?.path ?? null, bytes: file.bytes, ext: file.ext });
    const warnings = out.windows > 1
      ? [`the file is longer than the model's window: read in ${out.windows} windows; its bits per byte are those of the first window, as evaluation scores it`]
      : [];
    return { bits: out.bits, meanBitsPerByte: out.bitsPerByte, backend: out.backend as ScoringBackend, warnings };
  }

  /** Labels files with a classifier (a classification run's checkpoint, a classifier model, or a trusted path). */
  async classify(from: CheckpointSpec, files: Array<{ name: string; bytes: Uint8Array }>): Promise<ClassifyResult & Pick<ClassifyOutcome, 'warnings'>> {
    const resolved = await resolveCheckpoint(this.catalogue, from);
    if (resolved.kind !== null && resolved.kind !== 'classifier') {
      const what = resolved.run ? `run '${resolved.run.name}' is not a classification run` : resolved.model ? `model '${resolved.model.name}' is not a classifier` : 'this checkpoint is not a classifier';
      throw new UserError(`${what}: classify needs a classifier (bgpt train --mode classify)`, 'BAD_REQUEST');
    }
    const r = await this.engine.call('classify', { checkpoint: resolved.path, base: resolved.base?.path ?? null, files: files.map((f) => ({ name: f.name, ext: extOf(f.name), bytes: f.bytes })) });
    return { labels: r.labels, files: r.files, backend: r.backend as ClassifyResult['backend'], warnings: r.warnings };
  }

  /** State and byte accuracy of a checkpoint's greedy continuation of each CPU-state trace (docs/cpu.md). */
  async evaluateCpu(from: CheckpointSpec, files: Array<{ name: string; bytes: Uint8Array }>, opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<Evaluation> {
    const resolved = await resolveCheckpoint(this.catalogue, from);
    let done = 0;
    return evaluateTraces(files, async (prompt, maxBytes) => {
      const jobId = `cpu_${randomBytes(6).toString('hex')}`;
      const cancel = () => this.engine.control(jobId, 'cancel');
      if (opts.signal?.aborted) throw new UserError('cancelled', 'CANCELLED');
      opts.signal?.addEventListener('abort', cancel, { once: true });
      try {
        const out = await this.engine.call('generate', {
          jobId, checkpoint: resolved.path, base: resolved.base?.path ?? null, ext: CPU_EXTENSION, prompt, input: null, count: 1, sampling: { ...CPU_EVAL_SAMPLING, maxBytes },
        });
        const made = out.samples[0];
        if (made.stoppedBy === 'cancelled') throw new UserError('cancelled', 'CANCELLED');
        opts.onProgress?.(++done, files.length);
        return made.bytes.subarray(prompt.length);
      } finally {
        opts.signal?.removeEventListener('abort', cancel);
      }
    });
  }
}
