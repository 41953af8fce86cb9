// A checkpoint's report card (docs/music.md, "A report card per checkpoint"): over N samples, how many are
// valid (the studio's verdict; abc2midi when installed; bars matching the meter), how many are copies of
// training files (shared/memorisation.ts), and how close their music is to the training set (formats/
// music-stats.ts, Yang & Lerch 2020: pitch-class, interval and note-length histograms, pitch range and notes
// per bar, as overlap areas). One implementation: `bgpt report`, `bgpt generate --count N` and the studio's
// makeReportCard all go through ReportCardService (samples from the studio's generation service, judged by
// `judgeForCard`); the card lives in the catalogue (migration 005) so the Library and the run monitor show
// it without sampling again.
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
import type { ReportCard, ReportCardRequestParsed, ReportCardSample } from '../shared/contract';
import type { GeneratedSample, GeneratePatchEvent } from '../engine-host/jobs';
import type { CheckpointSpec, ResolvedCheckpoint } from './checkpoints';
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

/** The extension a dataset's samples take: its most common one (ABC for a tune book, mid for MIDI tunes). */
export async function mainExt(catalogue: Catalogue, datasetId: string | null): Promise<string> {
  if (!datasetId) return 'abc';
  const counts = new Map<string, number>();
  for (const f of await catalogue.listDatasetFiles(datasetId)) counts.set(f.ext, (counts.get(f.ext) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'abc';
}

/** What a card is asked for: how many samples, compared with which dataset, of which extension, from which seed. */
export interface CardOptions {
  count?: number;
  datasetId?: string | null;
  ext?: string;
  seed?: number;
  signal?: AbortSignal;
  onPatch?: (e: GeneratePatchEvent) => void;
}

/**
 * The studio's report cards: made from samples of the studio's generation service (one engine job,
 * the extension's sampling defaults, seeds S, S+1, …; not kept in the library), judged, stored; listed
 * per run or model. `bgpt report`, `bgpt generate --count N` and the UI's makeReportCard all come here.
 */
export class ReportCardService {
  constructor(
    private readonly catalogue: Catalogue,
    private readonly samples: SampleService,
    private readonly bus: StudioEventBus | null,
  ) {}

  async list(ownerId: string): Promise<ReportCard[]> {
    return (await this.catalogue.reportCards.list(ownerId.startsWith('mdl_') ? { modelId: ownerId } : { runId: ownerId })).map(reportCardOf);
  }

  /** Samples `count` files of the checkpoint and records its card. */
  async make(from: CheckpointSpec, opts: CardOptions = {}): Promise<ReportCard> {
    const { resolved } = await this.samples.prepare({ from, ext: opts.ext ?? 'abc', sampling: { topK: 0 }, count: 1 });
    const datasetId = opts.datasetId ?? resolved.run?.datasetId ?? null;
    const ext = (opts.ext ?? (await mainExt(this.catalogue, datasetId))).toLowerCase();
    const seed = opts.seed ?? CARD_FIRST_SEED;
    const d = samplingDefaults(ext);
    const r = await this.samples.generate({ from, ext, sampling: { topK: d.topK, topP: d.topP, temperature: d.temperature, seed }, count: opts.count ?? CARD_SAMPLES },
      { signal: opts.signal, onPatch: opts.onPatch, record: false, keepCancelled: false });
    if (r.cancelled.length > 0) throw new UserError('cancelled; no report card was stored', 'CANCELLED');
    return this.record(r.resolved, ext, r.made, { ...d, firstSeed: seed, constrained: r.made.every((m) => m.constrained) }, datasetId);
  }

  /** Judges samples already made (a batch of `bgpt generate --count N`) and records their card. */
  async record(resolved: ResolvedCheckpoint, ext: string, made: GeneratedSample[], sampling: ReportCard['sampling'], datasetId?: string | null): Promise<ReportCard> {
    const data = datasetId === undefined ? resolved.run?.datasetId ?? null : datasetId;
    const body = judgeForCard(made.map((m) => ({ bytes: m.bytes, seed: m.seed, stoppedBy: m.stoppedBy })), ext, await referenceOf(this.catalogue, data), sampling);
    const row = await this.catalogue.reportCards.insert({
      runId: resolved.run?.id ?? null, modelId: resolved.model?.id ?? null, checkpoint: resolved.which ?? resolved.model?.name ?? resolved.path,
      step: resolved.run ? (await this.catalogue.listCheckpoints(resolved.run.id)).find((c) => c.kind === resolved.which)?.step ?? null : null,
      datasetId: data, ext: body.ext, samples: body.samples, card: body as unknown as Record<string, unknown>,
    });
    this.bus?.emit('catalogueChanged', { what: 'runs' });
    return reportCardOf(row);
  }

  /** The UI's way: a card in the background; `reportCard` events say when sampling starts and bring the card (or the error). */
  async start(req: ReportCardRequestParsed): Promise<{ jobId: string }> {
    await this.samples.prepare({ from: req.from, ext: req.ext ?? 'abc', sampling: { topK: 0 }, count: 1 });
    const jobId = `rc_${randomBytes(6).toString('hex')}`;
    const runId = req.from.kind === 'run' ? req.from.runId : null;
    const count = req.count;
    this.bus?.emit('reportCard', { jobId, runId, done: 0, count });
    void this.make(req.from, { count, datasetId: req.datasetId, ext: req.ext, seed: req.seed }).then(
      (card) => this.bus?.emit('reportCard', { jobId, runId, done: count, count, card }),
      (err: unknown) => this.bus?.emit('reportCard', { jobId, runId, done: 0, count, error: errorLine(err) }),
    );
    return { jobId };
  }
}
