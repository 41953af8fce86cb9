// Train view state: the form and its estimate, the run being watched, the runs overlaid for
// comparison and their metric series ($state.raw: series are replaced, never mutated in place).
import type { MetricPoint, ModelMetricPoint, RunSummary, TrainEstimate } from '../../src-main/shared/contract';
import { errorText } from '../lib/format';
import { mergePoints } from '../lib/metrics';
import { allValid, checkAll, checkNumber } from '../lib/validate';
import type { Studio } from './studio.svelte';
import { CONVERSION_PATTERN, CUSTOM, defaultTrainForm, formFromRun, HYPER_FIELDS, LORA_RANK_FIELD, MODEL_FIELDS, runToReattach, toTrainRequest } from './train-form';
import { LORA_DEFAULTS } from '../../src-main/shared/lora';

/** Most runs drawn at once: the contract's getMetrics limit, and about what a legend can show. */
const MAX_COMPARED = 16;
/** Curves redraw at most this often (ms): smooth to the eye, cheap for long series. */
const FLUSH_MS = 200;
/** While steps come in and the form's time is still unmeasured, it is asked again this often (ms). */
const ESTIMATE_RETRY_MS = 5000;

export class TrainingState {
  readonly #studio: Studio;
  #pending = new Map<string, MetricPoint[]>();
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  form = $state(defaultTrainForm());
  estimate = $state.raw<TrainEstimate | null>(null);
  /**
   * When a full fine-tune does not fit: the estimate of the same run with LoRA at the default rank, which the form
   * proposes instead (null otherwise).
   */
  loraEstimate = $state.raw<TrainEstimate | null>(null);
  estimateError = $state<string | null>(null);
  startError = $state<string | null>(null);
  starting = $state(false);

  /** The run whose progress and controls are shown. */
  activeRunId = $state<string | null>(null);
  /** Runs drawn on the charts (the active one included). */
  compared = $state<string[]>([]);
  metrics = $state.raw<Record<string, MetricPoint[]>>({});
  /** EMA weight of the curves, 0 = raw. */
  smoothing = $state(0.6);
  /** Evaluations are few and each is exact: they are drawn as measured unless asked otherwise. */
  smoothEval = $state(false);
  logScale = $state(false);
  xAxis = $state<'step' | 'minutes' | 'epoch'>('step');
  /** Imported models drawn beside the runs (their reference logs' curves are per epoch). */
  comparedModels = $state<string[]>([]);
  modelMetrics = $state.raw<Record<string, ModelMetricPoint[]>>({});
  /**
   * When each run last went on after a pause, as seen here: the ETA counts the step under way down
   * from then, not across the pause (RunMonitor). Read on every tick, so a plain map is enough.
   */
  readonly resumedAt = new Map<string, number>();
  #reattached = false;
  #estimatedAt = 0;

  modelErrors = $derived(checkAll(this.form.model, MODEL_FIELDS));
  hyperErrors = $derived(checkAll(this.form.hyper, HYPER_FIELDS));
  conversionError = $derived(
    this.form.mode === 'conversion' && !CONVERSION_PATTERN.test(this.form.conversion.trim())
      ? "Conversion: write it as 'abc->mid' (one way) or 'abc&mid' (both ways)."
      : null,
  );
  loraError = $derived(this.form.initFrom && this.form.lora ? checkNumber(this.form.lora.rank, LORA_RANK_FIELD) : null);
  valid = $derived(
    this.form.datasetId !== '' &&
      this.loraError === null &&
      allValid(this.hyperErrors) &&
      (this.form.preset !== CUSTOM || allValid(this.modelErrors)) &&
      this.conversionError === null,
  );

  constructor(studio: Studio) {
    this.#studio = studio;
  }

  get activeRun(): RunSummary | null {
    return this.#studio.runs.find((r) => r.id === this.activeRunId) ?? null;
  }

  /** Parameters, memory and time per epoch for the form as it is now. */
  async refreshEstimate(): Promise<void> {
    if (!this.valid) {
      this.estimate = null;
      return;
    }
    this.#estimatedAt = Date.now();
    try {
      const req = toTrainRequest(this.form);
      this.estimate = await this.#studio.api.estimateTraining(req);
      this.estimateError = null;
      const proposeLora = req.initFrom && !req.lora && this.estimate.fits === false;
      this.loraEstimate = proposeLora ? await this.#studio.api.estimateTraining({ ...req, lora: { rank: LORA_DEFAULTS.rank } }) : null;
    } catch (err) {
      this.estimate = null;
      this.loraEstimate = null;
      this.estimateError = errorText(err);
    }
  }

  /** Copies a preset's shape into the custom fields, so "custom" starts from something sensible. */
  usePresetShape(name: string): void {
    const preset = this.#studio.presets.find((p) => p.name === name);
    if (!preset) return;
    const { patchSize, patchLength, hiddenSize, patchNumLayers, byteNumLayers } = preset.config;
    this.form.model = { patchSize, patchLength, hiddenSize, patchNumLayers, byteNumLayers };
  }

  async start(): Promise<void> {
    this.starting = true;
    this.startError = null;
    try {
      const run = await this.#studio.api.startRun(toTrainRequest(this.form));
      this.#studio.runs = [run, ...this.#studio.runs.filter((r) => r.id !== run.id)];
      await this.watch(run.id);
    } catch (err) {
      this.startError = `Training could not start: ${errorText(err)}`;
    } finally {
      this.starting = false;
    }
  }

  /**
   * After the studio (re)loaded its runs: the first time, the run training (or paused, queued, or cut
   * short by a closed studio) comes back by itself, with the settings it was started with in the form
   * and its curves; later (a reconnect), the curves drawn reload the steps missed meanwhile.
   */
  async reattach(): Promise<void> {
    if (this.#reattached) {
      await Promise.all(this.compared.map((id) => this.compare(id, true)));
      return;
    }
    this.#reattached = true;
    if (this.activeRunId) return;
    const run = runToReattach(this.#studio.runs);
    if (!run) return;
    this.form = formFromRun(run);
    await this.watch(run.id);
  }

  /** Shows a run's progress and draws its curves (loading its history). */
  async watch(runId: string): Promise<void> {
    this.activeRunId = runId;
    await this.compare(runId, true);
  }

  async compare(runId: string, on: boolean): Promise<void> {
    if (!on) {
      this.compared = this.compared.filter((id) => id !== runId);
      return;
    }
    if (!this.compared.includes(runId)) this.compared = [...this.compared, runId].slice(-MAX_COMPARED);
    const history = await this.#studio.attempt('Loading the curves', () => this.#studio.api.getMetrics({ runIds: [runId] }));
    if (history?.[runId]) this.addPoints(runId, history[runId]);
  }

  /**
   * Puts an imported model's curves (from the reference trainer's log) on the charts, or takes them off.
   * They are per epoch, so the charts switch to epochs, where runs and models line up.
   */
  async compareModel(modelId: string, on: boolean): Promise<void> {
    if (!on) {
      this.comparedModels = this.comparedModels.filter((id) => id !== modelId);
      return;
    }
    const points = this.modelMetrics[modelId] ?? (await this.#studio.attempt('Loading the model\'s curves', () => this.#studio.api.getModelMetrics(modelId)));
    if (!points) return;
    this.modelMetrics = { ...this.modelMetrics, [modelId]: points };
    if (!this.comparedModels.includes(modelId)) this.comparedModels = [...this.comparedModels, modelId];
    this.xAxis = 'epoch';
  }

  /**
   * Live metric batches (and history) for any run being drawn; others are ignored. Batches are
   * gathered and drawn together every FLUSH_MS: a fast run reports many steps a second, and each
   * redraw copies and re-aligns whole series.
   */
  addPoints(runId: string, points: MetricPoint[]): void {
    if (!this.compared.includes(runId) && runId !== this.activeRunId) return;
    this.#pending.set(runId, [...(this.#pending.get(runId) ?? []), ...points]);
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  /** Draws the batches waiting now: a run that has just held shows the step it held at, not one behind. */
  flushPending(): void {
    if (this.#flushTimer === null) return;
    clearTimeout(this.#flushTimer);
    this.#flush();
  }

  #flush(): void {
    this.#flushTimer = null;
    const next = { ...this.metrics };
    for (const [runId, points] of this.#pending) next[runId] = mergePoints(next[runId] ?? [], points);
    this.#pending.clear();
    this.metrics = next;
    // "Time per epoch" fills in once the run has measured a few steps (the estimate reads them).
    if (this.estimate && this.estimate.secondsPerStep == null && Date.now() - this.#estimatedAt > ESTIMATE_RETRY_MS) void this.refreshEstimate();
  }

  async control(action: 'pauseRun' | 'resumeRun' | 'stopRun', run: RunSummary): Promise<void> {
    const verbs = { pauseRun: 'Pausing', resumeRun: 'Resuming', stopRun: 'Stopping' } as const;
    const updated = await this.#studio.attempt(`${verbs[action]} “${run.name}”`, () => this.#studio.api[action](run.id));
    if (updated) this.#studio.runs = this.#studio.runs.map((r) => (r.id === updated.id ? updated : r));
    if (updated && action === 'resumeRun') await this.watch(updated.id);
  }
}
