// Generation jobs and the sample library: sample in the engine process, judge the bytes (valid /
// repaired / invalid), write the file atomically, then record its row; search, rate, tag, delete.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Catalogue } from '../catalogue/catalogue';
import type { SampleRow } from '../catalogue/types';
import { checkpointDir, newId, samplePath } from '../catalogue/paths';
import type { EngineHost } from '../engine-host/host';
import type { GenerateJob, GenerateOutcome } from '../engine-host/jobs';
import { validate } from '../formats';
import { judgeSample, type StopKind } from '../formats/guidance';
import { CopyIndex } from '../shared/memorisation';
import { writeFileAtomic } from '../node/atomic';
import type { FileBytes, GenerateRequestParsed, SampleInfo, SampleQuery, SampleUpdate, SurprisalResult } from '../shared/contract';
import { UserError, errorLine } from '../shared/errors';
import { extOf } from '../shared/patches';
import type { StudioEventBus } from './events';
import { sampleInfo } from './mappers';
import { checkpointConfig } from './runs';
import { inspectModelFile } from './model-file';
import { assertFits, memoryLimits } from '../engine/resources';
import { estimateGenerationMemoryBytes, parameterCount } from '../shared/config';

interface Job {
  index: number;
  count: number;
  cancelled: boolean;
}

export class SampleService {
  private jobs = new Map<string, Job>();
  /** Generation jobs run one after another: the engine holds one inference model at a time. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly home: string,
    private readonly catalogue: Catalogue,
    private readonly engine: EngineHost,
    private readonly bus: StudioEventBus,
  ) {
    engine.on('job', (jobId, event) => {
      const job = this.jobs.get(jobId.split('#')[0]);
      if (!job || event.name !== 'patch') return;
      const p = event.payload;
      this.bus.emit('generateProgress', { jobId: jobId.split('#')[0], index: job.index, count: job.count, patches: p.patches, bytes: p.bytes });
    });
  }

  /** The checkpoint folder of a run, checked to exist. */
  async checkpointOf(runId: string, kind: 'best' | 'last'): Promise<string> {
    // A model id in place of a run id: that model's file (docs/models.md, generate from a model).
    if (runId.startsWith('mdl_')) {
      const model = await this.catalogue.models.get(runId);
      if (!model) throw new UserError(`no model '${runId}'`, 'NOT_FOUND');
      if (model.status === 'missing') throw new UserError(`model '${model.name}' is missing its file; import it again`, 'MISSING');
      return model.path;
    }
    const run = await this.catalogue.getRun(runId);
    if (!run) throw new UserError(`no run '${runId}'`, 'NOT_FOUND');
    const cps = (await this.catalogue.listCheckpoints(runId)).filter((c) => !c.missing);
    const cp = cps.find((c) => c.kind === kind) ?? cps.find((c) => c.kind === 'last');
    if (!cp) throw new UserError(`run '${run.name}' has no checkpoint yet: train it for a while first`, 'NO_CHECKPOINT');
    return cp.path ?? checkpointDir(this.home, runId, kind);
  }

  /** Starts a generation job; its samples arrive as generateProgress events. */
  async start(req: GenerateRequestParsed): Promise<{ jobId: string }> {
    const checkpoint = await this.checkpointOf(req.runId, req.checkpoint);
    // Refused before the engine loads anything (docs/security.md).
    // A model's .pth carries no config.json: its config comes from the tensor shapes.
    const config = /\.(pth|pt)$/i.test(checkpoint) ? (await inspectModelFile(checkpoint)).config : await checkpointConfig(checkpoint);
    assertFits(`generating with this ${parameterCount(config).toLocaleString('en')}-parameter model`, estimateGenerationMemoryBytes(config),
      memoryLimits(this.engine.status.backend), 'close other programs or generate with a smaller model');
    const jobId = `gen_${randomBytes(6).toString('hex')}`;
    const job: Job = { index: 0, count: req.count, cancelled: false };
    this.jobs.set(jobId, job);
    this.queue = this.queue.then(() => this.run(jobId, job, checkpoint, req)).finally(() => this.jobs.delete(jobId));
    return { jobId };
  }

  /**
   * `count` samples of `ext` with seeds seed, seed + 1, … through the same engine queue as generation
   * jobs, returned rather than recorded (a report card judges them, studio/report-card.ts).
   */
  sampleBytes(checkpoint: string, ext: string, sampling: { topK: number; topP: number; temperature: number; seed: number }, count: number,
    onEach?: (done: number) => void): Promise<Array<{ bytes: Uint8Array; seed: number; stoppedBy: string }>> {
    const run = async () => {
      const out: Array<{ bytes: Uint8Array; seed: number; stoppedBy: string }> = [];
      this.engine.setActivity('making a report card');
      try {
        for (let i = 0; i < count; i++) {
          const seed = (sampling.seed + i) % 2 ** 31;
          const r = await this.engine.call('generate', { jobId: `card_${randomBytes(4).toString('hex')}`, checkpoint, ext, prompt: null, input: null, sampling: { ...sampling, seed } });
          out.push({ bytes: r.bytes, seed, stoppedBy: r.stoppedBy });
          onEach?.(i + 1);
        }
        return out;
      } finally {
        this.engine.setActivity(null);
      }
    };
    const result = this.queue.then(run);
    this.queue = result.then(() => {}, () => {});
    return result;
  }

  private async run(jobId: string, job: Job, checkpoint: string, req: GenerateRequestParsed): Promise<void> {
    const baseSeed = req.sampling.seed ?? randomBytes(4).readUInt32LE() >>> 1;
    this.engine.setActivity('generating');
    try {
      for (let i = 0; i < req.count && !job.cancelled; i++) {
        job.index = i;
        const sampling = { ...req.sampling, seed: (baseSeed + i) % 2 ** 31 };
        const arg: GenerateJob = {
          // One engine job per sample; '#i' keeps each cancellable while events map back to the job.
          jobId: `${jobId}#${i}`,
          checkpoint,
          ext: req.ext,
          prompt: req.prompt ?? null,
          input: req.input ? { bytes: req.input.bytes, ext: extOf(req.input.name) } : null,
          sampling,
        };
        const out = await this.engine.call('generate', arg);
        const sample = await this.save(req, checkpoint, out, sampling);
        this.bus.emit('generateProgress', { jobId, index: i, count: req.count, patches: out.patches, bytes: out.bytes.length, sample });
        this.bus.emit('catalogueChanged', { what: 'samples' });
      }
      this.bus.emit('generateProgress', { jobId, index: job.index, count: req.count, patches: 0, bytes: 0, done: true });
    } catch (err) {
      this.bus.emit('generateProgress', { jobId, index: job.index, count: req.count, patches: 0, bytes: 0, done: true, error: errorLine(err) });
    } finally {
      this.engine.setActivity(null);
    }
  }

  private async save(req: GenerateRequestParsed, checkpoint: string, out: GenerateOutcome, sampling: GenerateRequestParsed['sampling']): Promise<SampleInfo> {
    const { row, runName } = await recordSample(this.catalogue, {
      checkpoint,
      ext: req.ext,
      bytes: out.bytes,
      params: { ...sampling, checkpoint: req.checkpoint, stoppedBy: out.stoppedBy, bytesPerSecond: out.bytesPerSecond, conversionInput: req.input?.name ?? null,
        prompt: req.prompt ? { file: req.promptName ?? null, bytes: req.prompt.length } : null },
      windowPatches: out.patches,
    });
    return sampleInfo(row, runName);
  }

  cancel(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    job.cancelled = true;
    this.engine.control(`${jobId}#${job.index}`, 'cancel');
  }

  async list(q: SampleQuery): Promise<{ total: number; samples: SampleInfo[] }> {
    const page = await this.catalogue.searchSamples({
      runId: q.runId, ext: q.ext, validity: q.verdict, minRating: q.minRating, tag: q.tag, text: q.text, limit: q.limit, offset: q.offset,
      includeMissing: true, sort: 'created', descending: true,
    });
    const names = new Map((await this.catalogue.listRuns()).map((r) => [r.id, r.name]));
    return { total: page.total, samples: page.items.map((s) => sampleInfo(s, s.runId ? names.get(s.runId) ?? null : null)) };
  }

  async update(u: SampleUpdate & { id: string }): Promise<SampleInfo> {
    const row = await this.catalogue.updateSample(u.id, { rating: u.rating, tags: u.tags, notes: u.notes });
    const run = row.runId ? await this.catalogue.getRun(row.runId) : null;
    this.bus.emit('catalogueChanged', { what: 'samples' });
    return sampleInfo(row, run?.name ?? null);
  }

  async delete(id: string): Promise<void> {
    await this.catalogue.deleteSample(id);
    this.bus.emit('catalogueChanged', { what: 'samples' });
  }

  async readFile(id: string): Promise<FileBytes> {
    const s = await this.catalogue.getSample(id);
    if (!s) throw new UserError(`no sample '${id}'`, 'NOT_FOUND');
    try {
      return { name: s.name.replace(/^.*· /, ''), ext: s.ext, bytes: new Uint8Array(await fs.readFile(s.path)) };
    } catch {
      throw new UserError(`the file of sample '${s.name}' is missing`, 'MISSING');
    }
  }

  async surprisal(file: FileBytes, runId: string, kind: 'best' | 'last'): Promise<SurprisalResult> {
    if (file.bytes.length === 0) throw new UserError('the file is empty', 'BAD_INPUT');
    const checkpoint = await this.checkpointOf(runId, kind);
    const out = await this.engine.call('surprisal', { checkpoint, bytes: file.bytes, ext: file.ext });
    const mean = out.bits.reduce((a, b) => a + b, 0) / out.bits.length;
    const warnings = out.windows > 1 ? [`the file is longer than the model's window: read in ${out.windows} windows`] : [];
    return { bits: out.bits, meanBitsPerByte: mean, backend: out.backend as SurprisalResult['backend'], warnings };
  }
}

/**
 * Judges generated bytes (a repairable file is stored repaired), writes them atomically under the
 * home's samples/, then records the row. The run is the one whose folder holds the checkpoint, if any.
 * The studio's generation jobs and `bgpt generate|convert` both record through here.
 */
export async function recordSample(
  catalogue: Catalogue,
  s: { checkpoint: string; ext: string; bytes: Uint8Array; params: Record<string, unknown>; windowPatches?: number },
): Promise<{ row: SampleRow; runName: string | null }> {
  const ext = s.ext.toLowerCase();
  const verdict = validate(s.bytes, ext);
  const bytes = verdict.verdict === 'repaired' && verdict.repaired ? verdict.repaired : s.bytes;
  const id = newId('smp');
  const file = samplePath(catalogue.home, id, ext);
  await writeFileAtomic(file, bytes);
  const runId = path.basename(path.dirname(path.resolve(s.checkpoint)));
  const run = path.resolve(s.checkpoint).startsWith(path.resolve(catalogue.home, 'runs') + path.sep) ? await catalogue.getRun(runId) : null;
  const row = await catalogue.addSample({
    id,
    runId: run?.id ?? null,
    name: `${run?.name ?? (await modelNameOf(catalogue, s.checkpoint)) ?? 'sample'} · ${id.slice(-6)}.${ext}`,
    params: { ...s.params, checkpointPath: path.resolve(s.checkpoint) } as never,
    ext,
    path: file,
    validity: verdict.verdict,
    validityReason: verdict.reason ?? null,
    repaired: verdict.verdict === 'repaired',
  });
  const stoppedBy = s.params.stoppedBy as StopKind | undefined;
  const judged = judgeSample(s.bytes, ext, { stoppedBy, windowPatches: s.windowPatches });
  const copy = run?.datasetId ? (await copyIndex(catalogue, run.datasetId))?.check(bytes) ?? null : null;
  const checked = await catalogue.setSampleChecks(row.id, {
    copiedShare: copy?.copiedShare ?? null,
    closestFile: copy?.closest ?? null,
    isCopy: copy?.isCopy ?? null,
    guidance: { causes: judged.causes, advice: judged.advice, stoppedAtWindow: judged.stoppedAtWindow },
  });
  return { row: checked, runName: run?.name ?? null };
}

/** Copy indexes of datasets' training files, kept while the process lives (a dataset's files never change under an id's hash). */
const copyIndexes = new Map<string, { key: string; index: CopyIndex }>();

/**
 * The memorisation index of a dataset's training split (shared/memorisation.ts), or null when its
 * files are gone. Rebuilt when the dataset's file list changes.
 */
async function copyIndex(catalogue: Catalogue, datasetId: string): Promise<CopyIndex | null> {
  const files = (await catalogue.listDatasetFiles(datasetId)).filter((f) => f.split === 'train' && !f.missing);
  if (files.length === 0) return null;
  const key = files.map((f) => f.sha256).join(',');
  const cached = copyIndexes.get(datasetId);
  if (cached?.key === key) return cached.index;
  const read = await Promise.all(files.map(async (f) => ({ name: f.originalName, bytes: new Uint8Array(await fs.readFile(f.path).catch(() => Buffer.alloc(0))) })));
  const index = new CopyIndex(read);
  copyIndexes.set(datasetId, { key, index });
  return index;
}

/** The name of the model whose file is `checkpoint` (`<home>/models/<id>/…`), for naming its samples. */
async function modelNameOf(catalogue: Catalogue, checkpoint: string): Promise<string | null> {
  const rel = path.relative(path.resolve(catalogue.home, 'models'), path.resolve(checkpoint)).split(path.sep);
  if (rel.length !== 2 || rel[0].startsWith('..')) return null;
  return (await catalogue.models.get(rel[0]))?.name ?? null;
}
