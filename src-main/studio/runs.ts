// Training runs: create a run in the catalogue, train it in the engine process, record its metrics
// (batched) and checkpoints as they come, and pause / resume / stop it. The catalogue row is the
// index; the checkpoint directories the engine writes are the truth it points to.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Catalogue } from '../catalogue/catalogue';
import { runDir } from '../catalogue/paths';
import type { GpuAdapterInfo, MetricInput, RunRow } from '../catalogue/types';
import type { EngineHost } from '../engine-host/host';
import type { TrainCheckpointEvent, TrainEvalEvent, TrainJob, TrainOutcome } from '../engine-host/jobs';
import type { EngineJobEvent } from '../engine-host/protocol';
import { gradientThreads, memoryLimits, preferredByteChunks } from '../engine/backend/resources';
import { estimateSecondsPerUpdate, planLine, planTraining, type PlanReport } from '../engine/train/plan';
import { checkLoraSettings, LORA_DEFAULTS, type LoraSettings } from '../checkpoint/adapter';
import { CLASSIFICATION_FILE, checkpointForm, isClassifierFolder, readCheckpointInfo, readFolderConfig } from '../checkpoint';
import { PRESETS, defaultNumHeads, presetConfig, validateConfig, parameterCount, maxFileBytes, windowDataBytes, type BGPTConfig, type PresetName } from '../shared/config';
import { TRAIN_DEFAULTS, defaultEvalEvery } from '../shared/defaults';
import { TUNES_RECIPE, estimateRunSeconds, profileOf, trainDefaults } from '../shared/recipe';
import type { ClassificationHistory, MetricPoint, RunDetail, RunSummary, TrainEstimate, TrainRequestParsed } from '../shared/contract';
import { UserError, errorLine } from '../shared/errors';
import { RunClock, runSeconds } from '../shared/eta';
import { parseConversionMode } from '../shared/patches';
import type { StudioEventBus } from './events';
import { checkpointInfo, runSummary, type StoredRunConfig } from './mappers';
import { configOf, resolveCheckpoint, type CheckpointSpec, type ResolvedCheckpoint } from './checkpoints';
import { measuredPace } from './run-time';

/** How a run card names what a run fine-tunes (RunSummary.fineTune). */
function fineTuneSource(r: ResolvedCheckpoint): NonNullable<StoredRunConfig['fineTune']> {
  if (r.model) return { kind: 'model', id: r.model.id, name: r.model.name };
  if (r.run) return { kind: 'run', id: r.run.id, name: r.which ? `${r.run.name} (${r.which})` : r.run.name };
  return { kind: 'file', id: null, name: path.basename(r.path) };
}

/** How adapter_config.json names the base of a LoRA run: the catalogue model or run it came from, else its file. */
function baseHint(r: ResolvedCheckpoint): NonNullable<StoredRunConfig['base']> {
  if (r.model) return { name: r.model.name, ref: { kind: 'model', modelId: r.model.id } };
  if (r.run) return { name: r.run.name, ref: { kind: 'run', runId: r.run.id, checkpoint: r.which ?? 'best' } };
  return { name: path.basename(r.path), ref: { kind: 'file', fileName: path.basename(r.path) } };
}

/** Metric rows are written in batches: one transaction per flush instead of one per step. */
const METRIC_FLUSH_MS = 1000;

/** The config of a checkpoint to fine-tune from: a folder's config.json, a model's record, or a `.pth` file's shapes. */
async function initConfig(init: ResolvedCheckpoint): Promise<BGPTConfig> {
  if (init.form === 'torch' && init.kind === 'classifier') throw new UserError('a classification checkpoint cannot start a generative run', 'BAD_CHECKPOINT');
  if (init.form === 'torch' && !init.model) {
    // Loaded on demand: the torch reader pulls in the engine's tensor layout code.
    const { inspectModelFile } = await import('./model-file');
    const info = await inspectModelFile(init.path);
    if (info.kind !== 'generative') throw new UserError(`--init ${init.path}: a classification checkpoint cannot start a generative run`, 'BAD_CHECKPOINT');
    return info.config;
  }
  return configOf(init);
}

interface ActiveRun {
  paused: boolean;
  /** Pause asked for, and the engine has not yet said it stopped stepping (the UI shows "pausing…"). */
  pausing: boolean;
  lastBytesPerSecond: number | null;
  /** Running time, pauses excluded: the clock of the ETA (shared/eta.ts). */
  clock: RunClock;
  /** The run's name, for the status bar. */
  name: string;
  done: Promise<void>;
}

export class RunService {
  private active = new Map<string, ActiveRun>();
  private pendingMetrics = new Map<string, MetricInput[]>();
  private flushTimer: NodeJS.Timeout | null = null;
  /** How each run's latest engine job ended (the CLI reports it). */
  private outcomes = new Map<string, TrainOutcome>();
  /**
   * Runs waiting for the one training now (docs/walkthrough.md): one engine, one training job at a time, so
   * a second start queues instead of racing the first for memory and the engine's attention.
   */
  private queue: Array<{ row: RunRow; resumeFrom: string | null }> = [];
  /** Set while the studio closes: runs stopped then were interrupted, not stopped by their user. */
  private closing = false;

  constructor(
    private readonly home: string,
    private readonly catalogue: Catalogue,
    private readonly engine: EngineHost,
    private readonly bus: StudioEventBus,
  ) {
    engine.on('job', (jobId, event) => this.onJobEvent(jobId, event));
  }

  /** The model config a request asks for: a preset (default tiny) with overrides, validated. */
  resolveConfig(req: Pick<TrainRequestParsed, 'preset' | 'config'>): { config: BGPTConfig; preset: string | null } {
    const preset = req.preset ?? (req.config && Object.keys(req.config).length >= 5 ? null : 'tiny');
    const base = preset ? presetConfig(preset) : ({} as BGPTConfig);
    const merged = { ...base, ...req.config } as BGPTConfig;
    if (req.config?.hiddenSize && req.config.numHeads === undefined) merged.numHeads = defaultNumHeads(merged.hiddenSize);
    return { config: validateConfig(merged, 'model settings'), preset };
  }

  private async trainFiles(req: TrainRequestParsed) {
    const dataset = await this.catalogue.getDataset(req.datasetId);
    if (!dataset) throw new UserError(`no dataset '${req.datasetId}'`, 'NOT_FOUND');
    const files = (await this.catalogue.listDatasetFiles(dataset.id)).filter((f) => !f.missing);
    if (req.mode === 'conversion') {
      if (!req.conversion) throw new UserError("conversion runs need a direction such as 'abc->mid'", 'BAD_REQUEST');
      const dirs = parseConversionMode(req.conversion);
      if (!dirs) throw new UserError(`bad conversion '${req.conversion}'`, 'BAD_REQUEST');
    }
    const train = files.filter((f) => f.split === 'train');
    if (train.length === 0) throw new UserError(`dataset '${dataset.name}' has no training files`, 'BAD_REQUEST');
    return { dataset, files, train };
  }

  /**
   * How training this config at this batch would hold its memory (engine/train/plan.ts: full, then
   * recomputation, then micro-batches); throws one line with the estimate and what would fit when
   * even the leanest mode cannot. The engine plans again, with the same rule, when the run starts.
   */
  planTraining(config: BGPTConfig, batch: number, lora: LoraSettings | null, fineTune: boolean, labels = 0): PlanReport {
    const backend = this.engine.status.backend;
    return planTraining({ config, batch, lora, fineTune, threads: gradientThreads(backend), headParams: labels * (config.hiddenSize + 1), byteChunks: preferredByteChunks(backend) }, memoryLimits(backend));
  }

  /** A request's LoRA settings, checked against the model (one line); null without LoRA. The schema fills the defaults but alpha (LORA_DEFAULTS', whatever the rank, as --lora-alpha's help says). */
  loraSettings(req: Pick<TrainRequestParsed, 'lora'>, config: BGPTConfig): LoraSettings | null {
    if (!req.lora) return null;
    const l = req.lora;
    return checkLoraSettings({ ...l, alpha: l.alpha ?? LORA_DEFAULTS.alpha }, config);
  }

  /**
   * The plan of a run in one line with its time per update — the pace an earlier run of this shape measured
   * on this machine (run-time.ts), else estimated from its arithmetic — or the refusal's line.
   */
  describePlan(config: BGPTConfig, batch: number, accumulation: number, lora: LoraSettings | null, fineTune: boolean, measured: number | null):
    { plan: PlanReport; line: string; secondsPerUpdate: number } | { error: string } {
    let plan: PlanReport;
    try {
      plan = this.planTraining(config, batch, lora, fineTune);
    } catch (err) {
      return { error: errorLine(err) };
    }
    const secondsPerUpdate = measured ?? estimateSecondsPerUpdate(config, batch * accumulation, lora !== null, this.engine.status.backend, plan.plan.threads);
    return { plan, line: planLine(plan, secondsPerUpdate, measured !== null), secondsPerUpdate };
  }

  /** The model a request trains: its initFrom's config when fine-tuning (resolved through the catalogue only), else the preset's. */
  private async requestConfig(req: TrainRequestParsed, initFrom?: CheckpointSpec): Promise<{ config: BGPTConfig; preset: string | null; init: ResolvedCheckpoint | null }> {
    const spec = initFrom ?? req.initFrom;
    const init = spec === undefined ? null : await resolveCheckpoint(this.catalogue, spec);
    if (init) return { config: await initConfig(init), preset: null, init };
    return { ...this.resolveConfig(req), init: null };
  }

  async estimate(req: TrainRequestParsed, initFrom?: CheckpointSpec): Promise<TrainEstimate> {
    let { config, init } = await this.requestConfig(req, initFrom);
    if (req.mode === 'classification') config = { ...config, byteNumLayers: 0 };
    const { train, files } = await this.trainFiles(req);
    const stepsPerEpoch = Math.max(1, Math.ceil(train.length / (req.batchSize * req.accumulation)));
    const warnings: string[] = [];
    const whole = maxFileBytes(config);
    const cropped = train.filter((f) => f.size > whole).length;
    if (cropped > 0) warnings.push(`${cropped} of ${train.length} training files do not fit the ${windowDataBytes(config).toLocaleString('en')}-byte window whole (up to ${whole.toLocaleString('en')} bytes do, with their end) and will be cropped`);
    // Time from the pace an earlier run of this model measured on this machine (run-time.ts).
    const effective = req.batchSize * req.accumulation;
    const pace = await measuredPace(this.catalogue, { config, mode: req.mode, batch: effective, backend: this.engine.status.backend });
    // How it would hold its memory, and the refusal's line when nothing fits (engine/train/plan.ts).
    const lora = this.loraSettings(req, config);
    const described = this.describePlan(config, req.batchSize, req.accumulation, lora, init !== null, pace?.secondsPerStep ?? null);
    const fits = !('error' in described);
    if ('error' in described) warnings.push(described.error);
    const plan = 'plan' in described ? described.plan : null;
    const totalSteps = req.steps ?? stepsPerEpoch * (req.epochs ?? TRAIN_DEFAULTS.epochs);
    // The data's defaults and a modelled wall time for the recipe's shape, from the one rule the form and `bgpt train` use.
    const evalFiles = files.length - train.length;
    const tinyShape = config.hiddenSize === TUNES_RECIPE.config.hiddenSize && config.patchNumLayers === TUNES_RECIPE.config.patchNumLayers && config.byteNumLayers === TUNES_RECIPE.config.byteNumLayers;
    const d = req.mode === 'generative' ? trainDefaults(profileOf(files)) : null;
    return {
      config: config as Required<typeof config>,
      parameters: parameterCount(config),
      memoryBytes: plan?.bytes ?? 0,
      memoryMode: plan?.plan.mode ?? null,
      trainableParameters: plan?.trainableParams ?? parameterCount(config),
      secondsPerUpdate: 'plan' in described ? described.secondsPerUpdate : null,
      secondsPerUpdateMeasured: pace !== null,
      summary: 'plan' in described ? described.line : described.error,
      secondsPerEpoch: runSeconds(stepsPerEpoch, pace?.secondsPerStep ?? null),
      stepsPerEpoch,
      totalSteps,
      secondsPerStep: pace?.secondsPerStep ?? null,
      totalSeconds: runSeconds(totalSteps, pace?.secondsPerStep ?? null),
      timeBasis: pace?.basis ?? null,
      backend: this.engine.status.backend,
      warnings,
      fits,
      runSeconds: tinyShape ? estimateRunSeconds({ patchLength: config.patchLength, batchSize: req.batchSize * req.accumulation, steps: totalSteps, evalEvery: req.evalEvery ?? defaultEvalEvery(totalSteps), evalFiles }) : null,
      defaults: d && { preset: d.preset, patchLength: d.config.patchLength, batchSize: d.batchSize, steps: d.steps, evalEvery: d.evalEvery, seconds: d.seconds, why: d.why },
    };
  }

  /**
   * Creates a run and starts training it. A request fine-tunes from a run's checkpoint or a model by
   * id (initFrom, resolved through the catalogue only). The CLI may also put its checkpoints in a
   * folder of its own (`--out`), continue from a checkpoint made elsewhere (`--resume DIR`), or
   * fine-tune from a folder, `.pth` file, model or run it names (`--init`: its weights and config, a
   * fresh optimizer).
   */
  async start(req: TrainRequestParsed, extra: { runDir?: string; resumeFrom?: string; initFrom?: CheckpointSpec } = {}): Promise<RunSummary> {
    if (extra.resumeFrom && (await checkpointForm(extra.resumeFrom)) === 'torch') {
      // A reference .pth holds no studio optimizer moments, step or data order to continue from.
      throw new UserError(`--resume ${extra.resumeFrom}: a PyTorch checkpoint cannot be resumed exactly; fine-tune from it with --init`, 'BAD_CHECKPOINT');
    }
    // A classifier's last/ (it has labels.json) resumes as a classification run whatever the flags said.
    if (extra.resumeFrom && (await isClassifierFolder(extra.resumeFrom))) req = { ...req, mode: 'classification' };
    const initSpec = extra.initFrom ?? req.initFrom;
    const init = initSpec === undefined ? null : await resolveCheckpoint(this.catalogue, initSpec);
    let { config, preset } = extra.resumeFrom
      ? { config: await readFolderConfig(extra.resumeFrom, { classifier: true }), preset: null as string | null }
      : init ? { config: await initConfig(init), preset: null as string | null } : this.resolveConfig(req);
    // A classifier keeps only the patch-level decoder; fine-tuned, it takes the source's shape (above).
    if (req.mode === 'classification') config = { ...config, byteNumLayers: 0 };
    if (req.lora && !init && !extra.resumeFrom) throw new UserError('LoRA fine-tunes a trained model: give the base with --init (or fine-tune a model from the Models view)', 'BAD_REQUEST');
    if (req.lora && init?.base) throw new UserError('LoRA trains on a model, not on an adapter: fine-tune the adapter fully, or export it merged (bgpt export torch) and train LoRA on that', 'BAD_REQUEST');
    const lora = extra.resumeFrom ? null : this.loraSettings(req, config);
    // Refused before any row, folder or tensor exists (docs/security.md, resource limits).
    if (!extra.resumeFrom) this.planTraining(config, req.batchSize, lora, init !== null);
    const { dataset, train } = await this.trainFiles(req);
    const stepsPerEpoch = Math.max(1, Math.ceil(train.length / (req.batchSize * req.accumulation)));
    const steps = req.steps ?? stepsPerEpoch * (req.epochs ?? TRAIN_DEFAULTS.epochs);
    const evalEvery = req.evalEvery ?? defaultEvalEvery(steps);
    const initFrom = init?.path ?? null;
    // Starting from a LoRA adapter: the resolver found its base (or said in one line what to import); the run
    // starts from the merged weights.
    const initBase = init?.base?.path ?? null;
    const fineTune = init ? fineTuneSource(init) : null;
    const stored: StoredRunConfig = {
      model: config,
      hyper: { batchSize: req.batchSize, accumulation: req.accumulation, lr: req.lr ?? PRESETS[(preset ?? 'tiny') as PresetName]?.lr ?? TRAIN_DEFAULTS.lr, seed: req.seed, steps, evalEvery },
      earlyStoppingPatience: req.earlyStoppingPatience ?? null,
      initFrom,
      initBase,
      fineTune,
      runDir: extra.runDir ? path.resolve(extra.runDir) : null,
      lora,
      base: lora && init ? baseHint(init) : null,
    };
    const row = await this.catalogue.createRun({
      name: req.name || `${dataset.name} · ${preset ?? 'custom'}`,
      datasetId: dataset.id,
      mode: req.mode,
      conversion: req.mode === 'conversion' ? req.conversion ?? null : null,
      config: stored as never,
      preset,
      backend: this.engine.status.backend,
      adapter: this.engineAdapter(),
      stepsTotal: steps,
    });
    this.bus.emit('catalogueChanged', { what: 'runs' });
    await this.launch(row, extra.resumeFrom ? path.resolve(extra.resumeFrom) : null);
    return this.summary(row.id);
  }

  /** Starts the engine job of a run now, or queues it behind the run that is training. */
  private async launch(row: RunRow, resumeFrom: string | null): Promise<void> {
    if (this.active.size > 0 || this.queue.length > 0) {
      this.queue.push({ row, resumeFrom });
      await this.catalogue.updateRun(row.id, { status: 'queued', error: null });
      await this.emitRun(row.id);
      return;
    }
    await this.launchNow(row, resumeFrom);
  }

  /** The next queued run, once the engine is free. */
  private async launchNext(): Promise<void> {
    if (this.active.size > 0) return;
    const next = this.queue.shift();
    if (!next) return;
    const row = (await this.catalogue.getRun(next.row.id)) ?? next.row;
    await this.launchNow(row, next.resumeFrom).catch(async (err) => {
      await this.catalogue.updateRun(row.id, { status: 'failed', error: errorLine(err) }).catch(() => {});
      await this.emitRun(row.id).catch(() => {});
      await this.launchNext();
    });
  }

  /** Starts (or restarts from a checkpoint) the engine job of a run. */
  private async launchNow(row: RunRow, resumeFrom: string | null): Promise<void> {
    const stored = row.config as unknown as StoredRunConfig;
    const files = (await this.catalogue.listDatasetFiles(row.datasetId ?? '')).filter((f) => !f.missing);
    const job: TrainJob = {
      jobId: row.id,
      runId: row.id,
      runDir: stored.runDir ?? runDir(this.home, row.id),
      config: stored.model,
      files: files.map((f) => ({ path: f.path, name: f.originalName, ext: f.ext, split: f.split, pairKey: f.pairKey })),
      conversion: row.conversion,
      steps: stored.hyper.steps,
      batchSize: stored.hyper.batchSize,
      accumulation: stored.hyper.accumulation,
      lr: stored.hyper.lr,
      seed: stored.hyper.seed,
      evalEvery: stored.hyper.evalEvery,
      earlyStoppingPatience: stored.earlyStoppingPatience,
      resumeFrom,
      initFrom: resumeFrom ? null : stored.initFrom,
      initBase: resumeFrom ? null : stored.initBase ?? null,
      mode: row.mode,
      lora: resumeFrom ? null : stored.lora ?? null,
      base: stored.base ?? null,
    };
    // The engine's backend and adapter once it has said them; an engine still starting leaves what an
    // earlier leg of the run recorded (the outcome below sets what this leg trained on).
    const engineKnown = this.engine.status.backend ? { backend: this.engine.status.backend, adapter: this.engineAdapter() } : {};
    await this.catalogue.updateRun(row.id, { status: 'running', error: null, ...engineKnown });
    await this.emitRun(row.id);
    // A resumed run counts its running time on from what its earlier legs recorded.
    const offset = resumeFrom ? await this.catalogue.lastRunSeconds(row.id) : 0;
    const entry: ActiveRun = { paused: false, pausing: false, lastBytesPerSecond: null, clock: new RunClock(Date.now(), offset), name: row.name, done: Promise.resolve() };
    this.active.set(row.id, entry);
    this.engine.setActivity(`training ${row.name}`, 'train');
    entry.done = this.engine
      .call('train', job)
      .then(async (out) => {
        this.outcomes.set(row.id, out);
        await this.flushMetrics();
        // The outcome names the adapter the run trained on; an outcome without one keeps what the start
        // recorded on webgpu (undefined leaves the column alone), and is null on any other backend.
        const adapter = out.adapter ?? (out.backend === 'webgpu' ? undefined : null);
        // Stopped because the studio closed, the run was interrupted: it comes back with Resume (docs/walkthrough.md).
        const status = this.closing && out.status === 'stopped' ? 'interrupted' : out.status;
        await this.catalogue.updateRun(row.id, { status, stepsDone: out.steps, backend: out.backend, adapter });
      })
      .catch(async (err) => {
        await this.flushMetrics().catch(() => {});
        await this.catalogue.updateRun(row.id, { status: 'failed', error: errorLine(err) }).catch(() => {});
      })
      .finally(async () => {
        this.active.delete(row.id);
        if (this.active.size === 0) this.engine.setActivity(null, 'train');
        await this.emitRun(row.id).catch(() => {});
        await this.launchNext();
      });
  }

  private onJobEvent(jobId: string, event: EngineJobEvent): void {
    const run = this.active.get(jobId);
    if (!run) return;
    if (event.name === 'step') {
      const e = event.payload;
      run.lastBytesPerSecond = e.bytesPerSecond;
      const seconds = run.clock.seconds(e.time);
      this.queueMetric(jobId, { step: e.step, time: e.time, trainLoss: e.trainLoss, lr: e.lr, bytesPerSecond: e.bytesPerSecond, runSeconds: seconds });
      this.bus.emit('metrics', { runId: jobId, points: [{ step: e.step, time: e.time, trainLoss: e.trainLoss, evalLoss: null, bitsPerByte: null, lr: e.lr, bytesPerSecond: e.bytesPerSecond, runSeconds: seconds }] });
    } else if (event.name === 'eval') {
      const e = event.payload;
      const time = Date.now();
      this.queueMetric(jobId, { step: e.step, time, evalLoss: e.evalLoss, evalBpb: e.evalBitsPerByte, validRate: e.validRate ?? null });
      const point: MetricPoint = { step: e.step, time, trainLoss: null, evalLoss: e.evalLoss, bitsPerByte: e.evalBitsPerByte, lr: null, bytesPerSecond: null, validRate: e.validRate ?? null };
      if (e.accuracy !== undefined) point.evalAccuracy = e.accuracy;
      this.bus.emit('metrics', { runId: jobId, points: [point] });
      void this.recordEval(jobId, e);
    } else if (event.name === 'checkpoint') {
      void this.recordCheckpoint(jobId, event.payload);
    } else if (event.name === 'held') {
      // The engine finished its update and now waits: only now is the run really paused (and its clock
      // stops). A resume may already have been sent: then the engine goes on at once.
      run.pausing = false;
      if (run.paused) {
        run.clock.hold(Date.now());
        // The status bar says what is true: a run is held, the engine computes nothing (docs/walkthrough.md).
        this.engine.setActivity(`paused ${run.name}`, 'train', false);
      }
      void this.emitRun(jobId);
    }
  }

  private async recordEval(runId: string, e: TrainEvalEvent): Promise<void> {
    const row = await this.catalogue.getRun(runId);
    if (!row) return;
    const better = row.bestEvalLoss === null || e.evalLoss < row.bestEvalLoss;
    await this.catalogue.updateRun(runId, { stepsDone: e.step, ...(better ? { bestEvalLoss: e.evalLoss, bestEvalBpb: e.evalBitsPerByte } : {}) });
    await this.emitRun(runId);
  }

  private async recordCheckpoint(runId: string, e: TrainCheckpointEvent): Promise<void> {
    // The engine wrote the directory atomically before saying so; the row follows the file.
    await this.flushMetrics();
    await this.catalogue.addCheckpoint({ runId, kind: e.kind, step: e.step, path: path.resolve(e.path), evalLoss: e.evalLoss, validRate: e.validRate ?? null });
    await this.catalogue.updateRun(runId, { stepsDone: e.step });
    await this.emitRun(runId);
  }

  private queueMetric(runId: string, m: MetricInput): void {
    let q = this.pendingMetrics.get(runId);
    if (!q) this.pendingMetrics.set(runId, (q = []));
    q.push(m);
    this.flushTimer ??= setTimeout(() => void this.flushMetrics(), METRIC_FLUSH_MS);
  }

  async flushMetrics(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batches = [...this.pendingMetrics.entries()];
    this.pendingMetrics.clear();
    for (const [runId, rows] of batches) if (rows.length) await this.catalogue.appendMetrics(runId, rows);
  }

  /** The engine's GPU adapter while it computes on webgpu; null on the other backends or before it started. */
  private engineAdapter(): GpuAdapterInfo | null {
    const s = this.engine.status;
    return s.backend === 'webgpu' ? s.adapter ?? null : null;
  }

  private async emitRun(runId: string): Promise<void> {
    this.bus.emit('runUpdate', await this.summary(runId));
  }

  async summary(runId: string): Promise<RunSummary> {
    const row = await this.catalogue.getRun(runId);
    if (!row) throw new UserError(`no run '${runId}'`, 'NOT_FOUND');
    const a = this.active.get(runId);
    return { ...runSummary(row, a ? { paused: a.paused, bytesPerSecond: a.lastBytesPerSecond } : null), pausing: a?.pausing ?? false, queuePosition: this.queuePosition(runId) };
  }

  /** 1 for the next run to train, null when not queued. */
  private queuePosition(runId: string): number | null {
    const i = this.queue.findIndex((q) => q.row.id === runId);
    return i < 0 ? null : i + 1;
  }

  async list(): Promise<RunSummary[]> {
    const rows = await this.catalogue.listRuns();
    return rows.map((r) => {
      const a = this.active.get(r.id);
      return { ...runSummary(r, a ? { paused: a.paused, bytesPerSecond: a.lastBytesPerSecond } : null), pausing: a?.pausing ?? false, queuePosition: this.queuePosition(r.id) };
    });
  }

  async detail(runId: string): Promise<RunDetail> {
    const summary = await this.summary(runId);
    const cps = await this.catalogue.listCheckpoints(runId);
    return { ...summary, checkpoints: cps.map(checkpointInfo) };
  }

  async pause(runId: string): Promise<RunSummary> {
    const a = this.active.get(runId);
    if (!a) throw new UserError('this run is not training', 'NOT_RUNNING');
    this.engine.control(runId, 'pause');
    if (!a.paused) a.pausing = true;
    a.paused = true;
    await this.catalogue.updateRun(runId, { status: 'paused' });
    await this.emitRun(runId);
    return this.summary(runId);
  }

  async resume(runId: string): Promise<RunSummary> {
    const a = this.active.get(runId);
    if (a) {
      this.engine.control(runId, 'resume');
      a.clock.resume(Date.now());
      this.engine.setActivity(`training ${a.name}`, 'train');
      a.paused = false;
      a.pausing = false;
      await this.catalogue.updateRun(runId, { status: 'running' });
      await this.emitRun(runId);
      return this.summary(runId);
    }
    const row = await this.catalogue.getRun(runId);
    if (!row) throw new UserError(`no run '${runId}'`, 'NOT_FOUND');
    if (this.queuePosition(runId) !== null) return this.summary(runId);
    if (row.status === 'done') throw new UserError('this run has finished; start a new run to train further', 'BAD_STATE');
    const cp = await this.catalogue.resumeCheckpoint(runId);
    // Without a checkpoint there is nothing to continue from: start the run over.
    if (cp) await this.catalogue.truncateMetrics(runId, cp.step);
    await this.launch(row, cp ? cp.path : null);
    return this.summary(runId);
  }

  async stop(runId: string): Promise<RunSummary> {
    const queued = this.queue.findIndex((q) => q.row.id === runId);
    if (queued >= 0) {
      // A queued run never started: taking it out of the queue is all stopping means.
      this.queue.splice(queued, 1);
      await this.catalogue.updateRun(runId, { status: 'stopped' });
      await this.emitRun(runId);
      return this.summary(runId);
    }
    const a = this.active.get(runId);
    if (!a) throw new UserError('this run is not training', 'NOT_RUNNING');
    this.engine.control(runId, 'stop');
    await a.done;
    return this.summary(runId);
  }

  /**
   * The catalogue run a `--resume` argument names: its id, its folder (`<home>/runs/<id>` or the CLI's
   * `--out`), or that folder's `last/` or `best/`. Null when no run of this catalogue matches.
   */
  async locate(ref: string): Promise<string | null> {
    if (await this.catalogue.getRun(ref)) return ref;
    let dir = path.resolve(ref);
    if (['last', 'best'].includes(path.basename(dir))) dir = path.dirname(dir);
    const real = async (p: string) => fs.realpath(p).catch(() => path.resolve(p));
    const want = await real(dir);
    for (const row of await this.catalogue.listRuns()) {
      const stored = row.config as unknown as StoredRunConfig;
      if ((await real(stored.runDir ?? runDir(this.home, row.id))) === want) return row.id;
    }
    return null;
  }

  /** The eval loss of the checkpoint an outcome names (its train_state.json: best/ holds the best evaluation, not the latest). */
  async checkpointEvalLoss(outcome: TrainOutcome): Promise<number | null> {
    const info = outcome.checkpoint ? await readCheckpointInfo(outcome.checkpoint) : null;
    return info?.evalLoss ?? outcome.evalLoss;
  }

  /** Waits for a run's engine job to end and returns how it ended (the CLI's `bgpt train`). */
  async wait(runId: string): Promise<TrainOutcome | null> {
    while (this.queuePosition(runId) !== null || this.active.has(runId)) {
      await (this.active.get(runId)?.done ?? [...this.active.values()][0]?.done ?? new Promise((r) => setTimeout(r, 50)));
    }
    return this.outcomes.get(runId) ?? null;
  }

  async delete(runId: string): Promise<void> {
    if (this.active.has(runId) || this.queuePosition(runId) !== null) throw new UserError('stop the run before deleting it', 'BAD_STATE');
    await this.catalogue.deleteRun(runId);
    this.bus.emit('catalogueChanged', { what: 'runs' });
  }

  async metrics(runIds: string[], maxPoints: number): Promise<Record<string, MetricPoint[]>> {
    await this.flushMetrics();
    const out: Record<string, MetricPoint[]> = {};
    const names = ['trainLoss', 'evalLoss', 'evalBpb', 'lr', 'bytesPerSecond', 'validRate', 'runSeconds'] as const;
    const key = { trainLoss: 'trainLoss', evalLoss: 'evalLoss', evalBpb: 'bitsPerByte', lr: 'lr', bytesPerSecond: 'bytesPerSecond', validRate: 'validRate', runSeconds: 'runSeconds' } as const;
    for (const runId of runIds) {
      const byStep = new Map<number, MetricPoint>();
      for (const m of names) {
        for (const s of await this.catalogue.metricSeries([runId], m, maxPoints)) {
          for (const p of s.points) {
            let pt = byStep.get(p.step);
            if (!pt) byStep.set(p.step, (pt = { step: p.step, time: p.time, trainLoss: null, evalLoss: null, bitsPerByte: null, lr: null, bytesPerSecond: null }));
            pt[key[m]] = p.value;
          }
        }
      }
      // Classification runs: the accuracy of each evaluation comes from the run's evaluations file.
      const history = await this.classification(runId).catch(() => null);
      for (const e of history?.evals ?? []) {
        const pt = byStep.get(e.step);
        if (pt) pt.evalAccuracy = e.accuracy;
      }
      out[runId] = [...byStep.values()].sort((a, b) => a.step - b.step);
    }
    return out;
  }

  /** The run folder's classification.json (labels and every evaluation); null for other runs. */
  async classification(runId: string): Promise<ClassificationHistory | null> {
    const row = await this.catalogue.getRun(runId);
    if (!row) throw new UserError(`no run '${runId}'`, 'NOT_FOUND');
    if (row.mode !== 'classification') return null;
    const stored = row.config as unknown as StoredRunConfig;
    const file = path.join(stored.runDir ?? runDir(this.home, row.id), CLASSIFICATION_FILE);
    try {
      const h = JSON.parse(await fs.readFile(file, 'utf8')) as ClassificationHistory;
      return Array.isArray(h.labels) && Array.isArray(h.evals) ? h : null;
    } catch {
      return null;
    }
  }

  /** Stops every run (their last checkpoints are saved) before the studio closes. */
  async stopAll(): Promise<void> {
    // Runs cut short by the close are interrupted, queued ones too (they never started): the next start
    // offers them for resuming rather than leaving them queued forever.
    this.closing = true;
    for (const q of this.queue.splice(0)) await this.catalogue.updateRun(q.row.id, { status: 'interrupted' }).catch(() => {});
    for (const id of [...this.active.keys()]) this.engine.control(id, 'stop');
    await Promise.all([...this.active.values()].map((a) => a.done));
    await this.flushMetrics();
  }

  presets() {
    return Object.values(PRESETS).map((p) => ({ name: p.name, description: p.description, config: p.config as Required<BGPTConfig>, parameters: parameterCount(p.config), lr: p.lr }));
  }
}
