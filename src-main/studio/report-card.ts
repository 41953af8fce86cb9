// A checkpoint's report card (docs/music.md, "A report card per checkpoint"): over N samples, how many are
// valid (the studio's verdict; abc2midi when installed; bars matching the meter), how many are copies of
// training files (shared/memorisation.ts), and how close their music is to the training set (formats/
// music-stats.ts, Yang & Lerch 2020: pitch-class, interval and note-length histograms, pitch range and notes
// per bar, as overlap areas). One implementation: `bgpt report`, `bgpt generate --count N` and the studio's
// makeReportCard all judge with `judgeForCard` and store with `recordReportCard`; the card lives in the
// catalogue (migration 005) so the Library and the run monitor show it without sampling again.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Catalogue } from '../catalogue/catalogue';
import type { ReportCardRow } from '../catalogue/report-cards';
import { validate } from '../formats/validate';
import { midiStructure } from '../formats/midi';
import { barsMatchingMeter, musicEvents } from '../formats/music-events';
import { closeness, featuresOf, MAX_REFERENCE_FILES, type Features } from '../formats/music-stats';
import { abc2midiReport, hasAbcmidi } from '../datasets/tunebook';
import { CopyIndex } from '../shared/memorisation';
import { samplingDefaults } from '../shared/recipe';
import type { ReportCard, ReportCardRequest, ReportCardSample } from '../shared/contract';
import { UserError, errorLine } from '../shared/errors';
import type { StudioEventBus } from './events';
import type { SampleService } from './samples';

/** Samples a card is made of by default: the 20 (seeds 1000…1019, as `npm run quality`). */
export const CARD_SAMPLES = 20;
export const CARD_FIRST_SEED = 1000;

export interface CardSample { bytes: Uint8Array; seed: number; stoppedBy: string }

/** The training files a card compares with: every one for the copy check, an even spread of at most 100 for closeness. */
export interface CardReference { files: Array<{ name: string; bytes: Uint8Array }> }

/** Every `step`-th file, so the reference spreads over the whole set (deterministic: sorted by name). */
function spread<T extends { name: string }>(files: T[], n: number): T[] {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (sorted.length <= n) return sorted;
  return Array.from({ length: n }, (_, i) => sorted[Math.floor((i * sorted.length) / n)]);
}

const share = (n: number, d: number) => (d === 0 ? 0 : n / d);
const round = (x: number) => Number(x.toFixed(4));

/** The card's body for these samples against these training files (the part every front end shares). */
export function judgeForCard(samples: CardSample[], ext: string, ref: CardReference, sampling: ReportCard['sampling']): Omit<ReportCard, 'id' | 'runId' | 'modelId' | 'checkpoint' | 'step' | 'datasetId' | 'created'> {
  const e = ext.toLowerCase();
  const abc = e === 'abc';
  const midi = e === 'mid' || e === 'midi';
  const abcmidi = abc && hasAbcmidi();
  const index = ref.files.length > 0 ? new CopyIndex(ref.files) : null;
  const perSample: ReportCardSample[] = [];
  const sampleFeatures: Features[] = [];
  for (const s of samples) {
    const verdict = validate(s.bytes, e);
    const events = verdict.verdict === 'invalid' ? null : musicEvents(verdict.repaired ?? s.bytes, e);
    const notes = midi ? (verdict.verdict === 'invalid' ? 0 : midiStructure(verdict.repaired ?? s.bytes).notes) : events?.notes.length ?? 0;
    const features = events ? featuresOf(events) : null;
    if (features) sampleFeatures.push(features);
    const report = abcmidi && verdict.verdict !== 'invalid' ? abc2midiReport(new TextDecoder().decode(s.bytes)) : null;
    const copy = index?.check(s.bytes) ?? null;
    const bars = abc && events ? barsMatchingMeter(events.bars) : null;
    const abc2midi = !abcmidi ? null : report === null ? 'not judged: the studio refuses it' : report.errors === '' ? 'ok' : report.errors.split('\n')[0];
    const accepted = verdict.verdict === 'valid' && (abc2midi === null || abc2midi === 'ok') && notes > 0 && !(copy?.isCopy ?? false);
    perSample.push({
      seed: s.seed, bytes: s.bytes.length, stoppedBy: s.stoppedBy, verdict: verdict.verdict, abc2midi, abc2midiBadBars: report ? report.badBars : null,
      bars, notes, copiedShare: copy ? round(copy.copiedShare) : null, accepted,
    });
  }
  const n = samples.length;
  const judgedBars = perSample.filter((p) => p.bars && p.bars.checked > 0);
  const trainFeatures = spread(ref.files, MAX_REFERENCE_FILES).flatMap((f) => {
    const ev = musicEvents(f.bytes, path.extname(f.name).slice(1) || e);
    const feat = ev ? featuresOf(ev) : null;
    return feat ? [feat] : [];
  });
  const near = abc || midi ? closeness(trainFeatures, sampleFeatures) : null;
  return {
    ext: e,
    samples: n,
    sampling,
    valid: {
      verdict: round(share(perSample.filter((p) => p.verdict === 'valid').length, n)),
      abc2midi: abcmidi ? round(share(perSample.filter((p) => p.abc2midi === 'ok').length, n)) : null,
      barsMatching: judgedBars.length ? round(share(judgedBars.reduce((a, p) => a + p.bars!.matching, 0), judgedBars.reduce((a, p) => a + p.bars!.checked, 0))) : null,
      fullBars: abc ? round(share(judgedBars.filter((p) => p.bars!.matching === p.bars!.checked).length, n)) : null,
      withNotes: round(share(perSample.filter((p) => p.notes > 0).length, n)),
    },
    accepted: round(share(perSample.filter((p) => p.accepted).length, n)),
    copyRate: index ? round(share(perSample.filter((p) => (p.copiedShare ?? 0) >= 0.5).length, n)) : null,
    closeness: near && near.trainFiles >= 2 ? { features: near.features, trainFiles: near.trainFiles, sampleFiles: near.sampleFiles } : null,
    perSample,
  };
}

/** The stored row as the API's card. */
export function reportCardOf(r: ReportCardRow): ReportCard {
  return { ...(r.card as unknown as ReportCard), id: r.id, runId: r.runId, modelId: r.modelId, checkpoint: r.checkpoint, step: r.step, datasetId: r.datasetId, created: new Date(r.created).toISOString() };
}

/** The training split of a dataset, read from the studio's blobs. */
export async function referenceOf(catalogue: Catalogue, datasetId: string | null): Promise<CardReference> {
  if (!datasetId) return { files: [] };
  const files = (await catalogue.listDatasetFiles(datasetId)).filter((f) => f.split === 'train' && !f.missing);
  const read = await Promise.all(files.map(async (f) => ({ name: f.originalName, bytes: new Uint8Array(await fs.readFile(f.path).catch(() => Buffer.alloc(0))) })));
  return { files: read.filter((f) => f.bytes.length > 0) };
}

/** Where a checkpoint belongs in the catalogue: its run (and best/last) when it lies under runs/, its model under models/. */
export async function ownerOf(catalogue: Catalogue, checkpoint: string): Promise<{ runId: string | null; modelId: string | null; kind: string; step: number | null; datasetId: string | null }> {
  const abs = path.resolve(checkpoint);
  const runs = path.resolve(catalogue.home, 'runs') + path.sep;
  if (abs.startsWith(runs)) {
    const [runId, kind] = abs.slice(runs.length).split(path.sep);
    const run = await catalogue.getRun(runId);
    if (run) {
      const cp = (await catalogue.listCheckpoints(run.id)).find((c) => c.kind === kind);
      return { runId: run.id, modelId: null, kind: kind === 'best' || kind === 'last' ? kind : abs, step: cp?.step ?? null, datasetId: run.datasetId };
    }
  }
  const models = path.resolve(catalogue.home, 'models') + path.sep;
  if (abs.startsWith(models)) {
    const model = await catalogue.models.get(abs.slice(models.length).split(path.sep)[0]);
    if (model) return { runId: null, modelId: model.id, kind: model.name, step: null, datasetId: null };
  }
  return { runId: null, modelId: null, kind: abs, step: null, datasetId: null };
}

/** Judges the samples, stores the card in the catalogue and returns it (the one way every front end records a card). */
export async function recordReportCard(catalogue: Catalogue, a: {
  checkpoint: string; ext: string; samples: CardSample[]; sampling: ReportCard['sampling']; datasetId?: string | null;
}): Promise<ReportCard> {
  const owner = await ownerOf(catalogue, a.checkpoint);
  const datasetId = a.datasetId ?? owner.datasetId;
  const body = judgeForCard(a.samples, a.ext, await referenceOf(catalogue, datasetId), a.sampling);
  const row = await catalogue.reportCards.insert({
    runId: owner.runId, modelId: owner.modelId, checkpoint: owner.kind, step: owner.step, datasetId, ext: body.ext, samples: body.samples,
    card: body as unknown as Record<string, unknown>,
  });
  return reportCardOf(row);
}

/** The extension a dataset's samples take: its most common one (ABC for a tune book, mid for MIDI tunes). */
export async function mainExt(catalogue: Catalogue, datasetId: string | null): Promise<string> {
  if (!datasetId) return 'abc';
  const counts = new Map<string, number>();
  for (const f of await catalogue.listDatasetFiles(datasetId)) counts.set(f.ext, (counts.get(f.ext) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'abc';
}

/** The studio's report cards: made in the background from the engine's samples, listed per run. */
export class ReportCardService {
  constructor(
    private readonly catalogue: Catalogue,
    private readonly samples: SampleService,
    private readonly bus: StudioEventBus,
  ) {}

  async list(runId: string): Promise<ReportCard[]> {
    return (await this.catalogue.reportCards.list(runId.startsWith('mdl_') ? { modelId: runId } : { runId })).map(reportCardOf);
  }

  /** Starts a card; `reportCard` events tell each sample judged, then the card. */
  async start(req: ReportCardRequest): Promise<{ jobId: string }> {
    const checkpoint = await this.samples.checkpointOf(req.runId, req.checkpoint ?? 'best');
    const run = req.runId.startsWith('mdl_') ? null : await this.catalogue.getRun(req.runId);
    const datasetId = req.datasetId ?? run?.datasetId ?? null;
    if (!datasetId && req.runId.startsWith('mdl_')) throw new UserError('a model\'s report card needs a dataset to compare with', 'BAD_REQUEST');
    const ext = req.ext ?? (await mainExt(this.catalogue, datasetId));
    const count = req.count ?? CARD_SAMPLES;
    const firstSeed = req.seed ?? CARD_FIRST_SEED;
    const sampling = { ...samplingDefaults(ext), firstSeed, constrained: true };
    const jobId = `rc_${randomBytes(6).toString('hex')}`;
    const runId = run?.id ?? null;
    void (async () => {
      try {
        const made = await this.samples.sampleBytes(checkpoint, ext, { topK: sampling.topK, topP: sampling.topP, temperature: sampling.temperature, seed: firstSeed }, count,
          (done) => this.bus.emit('reportCard', { jobId, runId, done, count }));
        const card = await recordReportCard(this.catalogue, { checkpoint, ext, samples: made, sampling, datasetId });
        this.bus.emit('reportCard', { jobId, runId, done: count, count, card });
        this.bus.emit('catalogueChanged', { what: 'runs' });
      } catch (err) {
        this.bus.emit('reportCard', { jobId, runId, done: 0, count, error: errorLine(err) });
      }
    })();
    return { jobId };
  }
}
