// Hand-offs between the studio's steps (docs/walkthrough.md): each finished step opens the next one with
// its choice already made — a dataset goes to Train, a run to Generate, Resume or Fine-tune — so a
// user never re-picks in the next view what they just picked in this one.
import type { ModelInfo, RunSummary } from '../../src-main/shared/contract';
import type { Studio } from '../state/studio.svelte';
import { CUSTOM } from '../state/train-form';
import { metricsCsv, safeFileStem } from './csv';
import { downloadBytes } from './download';
import { abcOpening } from '../../src-main/formats/music-length';

/** Statuses whose run has a checkpoint to start from and no engine job holding it. */
export const SETTLED = ['done', 'stopped', 'interrupted', 'failed'] as const;

/** Opens Train with this dataset chosen (a fine-tune in the form is dropped: new data, new run). */
export function trainOn(studio: Studio, datasetId: string): void {
  studio.training.form.datasetId = datasetId;
  studio.training.form.initFrom = null;
  studio.training.form.lora = null;
  studio.router.go('train');
}

/** Opens Classify with this classification run chosen. */
export function classifyWith(studio: Studio, run: RunSummary): void {
  studio.classify.runId = run.id;
  studio.router.go('classify');
}

/** Opens Generate with this run chosen. */
export function generateFrom(studio: Studio, run: RunSummary): void {
  chooseGenerateRun(studio, run);
  studio.router.go('generate');
}

/** Chooses the run in the Generate form (and a conversion run's target extension). */
export function chooseGenerateRun(studio: Studio, run: RunSummary): void {
  const form = studio.generation.form;
  form.runId = run.id;
  if (run.mode === 'conversion' && run.conversion) {
    form.ext = run.conversion.split(/->|&/)[1];
    form.inputKind = 'input';
  } else if (form.inputKind === 'input') {
    form.inputKind = 'none';
  }
}

/**
 * Opens Train set up to fine-tune a run: same dataset and model shape (weights only load into the
 * same shape), starting from its best checkpoint with a fresh optimizer.
 */
export function fineTune(studio: Studio, run: RunSummary): void {
  const form = studio.training.form;
  if (run.datasetId) form.datasetId = run.datasetId;
  form.initFrom = { kind: 'run', runId: run.id, checkpoint: run.bestEvalLoss !== null ? 'best' : 'last' };
  form.mode = run.mode;
  if (run.conversion) form.conversion = run.conversion;
  if (run.preset && studio.presets.some((p) => p.name === run.preset)) form.preset = run.preset;
  else {
    form.preset = CUSTOM;
    const c = run.config;
    form.model = { patchSize: c.patchSize, patchLength: c.patchLength, hiddenSize: c.hiddenSize, patchNumLayers: c.patchNumLayers, byteNumLayers: c.byteNumLayers };
  }
  form.name = `${run.name} · fine-tune`;
  studio.router.go('train');
}

/**
 * Sets Train up to fine-tune a generative model of the Models catalogue: its weights (initFrom names
 * the model) and its shape, which the new run must have for the weights to load. The dataset stays
 * the one chosen.
 */
export function fineTuneModel(studio: Studio, model: ModelInfo): void {
  const form = studio.training.form;
  form.initFrom = { kind: 'model', modelId: model.id };
  form.mode = model.kind === 'classifier' ? 'classification' : 'generative';
  form.preset = CUSTOM;
  const c = model.config;
  form.model = { patchSize: c.patchSize, patchLength: c.patchLength, hiddenSize: c.hiddenSize, patchNumLayers: c.patchNumLayers, byteNumLayers: c.byteNumLayers };
  form.name = `${model.name} · fine-tune`;
}

/** Resumes a run and shows it training. */
export async function resumeRun(studio: Studio, run: RunSummary): Promise<void> {
  studio.router.go('train');
  await studio.training.control('resumeRun', run);
}

/**
 * The run a view should preselect when nothing is chosen yet: the run being watched if it can
 * sample, else the newest run with a checkpoint.
 */
export function runToGenerateFrom(studio: Studio): RunSummary | undefined {
  const watched = studio.runs.find((r) => r.id === studio.training.activeRunId && r.step > 0);
  return watched ?? studio.runs.find((r) => r.step > 0);
}

/** Saves a run's metrics as `<run>-metrics.csv` (every recorded step, not the charts' downsampled view). */
export async function exportMetrics(studio: Studio, run: RunSummary): Promise<void> {
  const name = `${safeFileStem(run.name)}-metrics.csv`;
  await studio.attempt(`Exporting ${name}`, async () => {
    const points = (await studio.api.getMetrics({ runIds: [run.id], maxPoints: 100_000 }))[run.id] ?? [];
    const bytes = new TextEncoder().encode(metricsCsv(points));
    if (!studio.info?.nativeDialogs) return downloadBytes(name, bytes);
    const saved = await studio.api.saveFile({ defaultName: name, bytes });
    if (saved) studio.toasts.show('success', `Saved ${saved}`);
  });
}

/** Bars a "continue" prompt keeps: enough for the model to take up the tune's key, metre and motif. */
export const CONTINUE_BARS = 4;
/** Variations start from less of the tune, several at once, each with its own seed. */
export const VARIATION_BARS = 2;
export const VARIATION_COUNT = 4;

/**
 * "Continue this tune" / "Variations of this tune" (issue 24 item 10): opens Generate with the tune's
 * header and first bars as the prompt (the prompt machinery of docs/playback-and-prompts.md), the run
 * to write with chosen if none is; variations ask for several samples with random seeds. Returns why
 * it cannot when the file is not an ABC tune with bars.
 */
export function continueTune(studio: Studio, file: { name: string; bytes: Uint8Array }, mode: 'continue' | 'variations'): string | null {
  const bars = mode === 'continue' ? CONTINUE_BARS : VARIATION_BARS;
  const opening = abcOpening(file.bytes, bars);
  if (!opening) return 'this file has no ABC tune header (K:) and bars to start from';
  const g = studio.generation.form;
  if (!g.runId) {
    const run = runToGenerateFrom(studio);
    if (run) chooseGenerateRun(studio, run);
  }
  g.ext = 'abc';
  g.inputKind = 'prompt';
  g.file = { name: file.name, bytes: new Uint8Array(file.bytes) };
  g.promptUnit = 'bytes';
  g.promptLength = opening.bytes;
  g.sampling.count = mode === 'continue' ? 1 : VARIATION_COUNT;
  if (mode === 'variations') g.sampling.seed = null;
  studio.generation.promptNote = `${mode === 'continue' ? 'Continues' : 'Variations on'} ${file.name}: its header and first ${opening.bars} bar${opening.bars === 1 ? '' : 's'} (${opening.bytes} bytes) as the prompt.`;
  studio.router.go('generate');
  return null;
}
