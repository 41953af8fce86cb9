// Generation and the sample library: start and cancel a generation job (its progress arrives as
// generateProgress events), search, rate, tag and delete samples.
import { z } from 'zod';
import { SEED_LIMIT } from '../seeds';
import { PRECISIONS } from '../config';
import { bytes, checkpointRefSchema, ext, id, namedBytes, type IsoTime, type Verdict } from './common';
import { takes } from './method';

/**
 * How bytes are drawn. Left out, top-k, top-p and temperature are the recipe's for the target extension
 * (shared/recipe.ts samplingDefaults), the seed is drawn at random (and recorded), and format-aware
 * sampling is on where the format has a grammar (abc, txt): every front end resolves them the same way.
 */
/** A whole number in [min, max], refused in one line that names the field and the value (the CLI prints it as it is). */
const whole = (what: string, min: number, max: number) =>
  z.number().refine((v) => Number.isInteger(v) && v >= min && v <= max, { error: (i) => `${what} must be a whole number from ${min} to ${max}, got ${String(i.input)}` });

export const samplingSchema = z.object({
  topK: whole('top-k', 0, 257).optional(),
  topP: z.number().refine((p) => p > 0 && p <= 1, { error: (i) => `top-p must be in (0, 1], got ${String(i.input)}` }).optional(),
  temperature: z.number()
    .refine((t) => t > 0, { error: (i) => `temperature must be a number > 0, got ${String(i.input)}` })
    .refine((t) => t <= 10, { error: (i) => `temperature must be at most 10, got ${String(i.input)}` }).optional(),
  /** uint32; sample i of the request uses sampleSeed(seed, i) (shared/seeds.ts). */
  seed: whole('seed', SEED_LIMIT.min, SEED_LIMIT.max).optional(),
  maxBytes: whole('max bytes', 1, 1 << 24).optional(),
  /** Format-aware sampling (formats/constraints.ts); false turns it off. */
  constrain: z.boolean().optional(),
});
export type Sampling = z.input<typeof samplingSchema>;
export type SamplingParsed = z.output<typeof samplingSchema>;

export const generateRequest = z.object({
  /** The checkpoint that generates: a run's best/last, or a model (docs/models.md). */
  from: checkpointRefSchema,
  /** Target extension (the start patch). */
  ext,
  /** Prompt bytes (may end inside a patch). */
  prompt: bytes.optional(),
  /** Name of the file the prompt was cut from, recorded in the sample's provenance. */
  promptName: z.string().max(1000).optional(),
  /** Conversion: the input file, converted to `ext`. */
  input: namedBytes.optional(),
  sampling: samplingSchema.prefault({}),
  /** Samples made at once, as one batched engine job (they share every weight read). */
  count: z.number().int().min(1).max(64).default(1),
  /** The weights' format on the inference kernels: f32 exact; f16 and q8 faster, within 1 % of its loss (docs/performance.md). */
  precision: z.enum(PRECISIONS).default('f32'),
});
export const sampleQuery = z.object({
  runId: id.optional(),
  ext: ext.optional(),
  verdict: z.enum(['valid', 'repaired', 'invalid']).optional(),
  minRating: z.number().int().min(0).max(5).optional(),
  tag: z.string().max(100).optional(),
  text: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
});
export const sampleUpdate = z.object({
  id,
  rating: z.number().int().min(0).max(5).optional(),
  tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  notes: z.string().max(10_000).optional(),
});

export type GenerateRequest = z.input<typeof generateRequest>;
export type GenerateRequestParsed = z.output<typeof generateRequest>;
export type SampleQuery = z.input<typeof sampleQuery>;
export type SampleQueryParsed = z.output<typeof sampleQuery>;
export type SampleUpdate = z.input<typeof sampleUpdate>;

export interface SampleInfo {
  id: string;
  name: string;
  runId: string | null;
  runName: string | null;
  /** The model of the Models catalogue that made it, when no run did. */
  modelName?: string | null;
  checkpointKind: string | null;
  ext: string;
  size: number;
  verdict: Verdict;
  reason: string | null;
  repaired: boolean;
  rating: number;
  tags: string[];
  notes: string;
  /**
   * How it was made, the same fields from every front end (studio/samples.ts sampleParams): topK, topP,
   * temperature, seed, maxBytes, constrain, repairs (positions where format-aware sampling overruled
   * the model), stoppedBy, bytesPerSecond, prompt, conversionInput, count, sample, checkpoint.
   */
  params: Record<string, unknown>;
  created: IsoTime;
  missing: boolean;
  /** Memorisation check: share of its bytes inside long verbatim runs from the training files (null: not measured). */
  copiedShare?: number | null;
  /** The training file it shares most with. */
  closestFile?: string | null;
  /** Mostly a copy of training data: not new music. */
  isCopy?: boolean | null;
  /** Why it failed (or what limited it) and what to try next. */
  guidance?: { causes: string[]; advice: string[]; stoppedAtWindow: boolean } | null;
}

export interface GenerateJob {
  jobId: string;
}

/** A report card for a checkpoint: a run's best/last, or a model. */
export const reportCardRequest = z.object({
  from: checkpointRefSchema,
  count: z.number().int().min(1).max(64).default(20),
  /** The dataset to compare with (default: the run's). */
  datasetId: id.optional(),
  /** Target extension (default: the dataset's main one). */
  ext: ext.optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
});
export type ReportCardRequest = z.input<typeof reportCardRequest>;
export type ReportCardRequestParsed = z.output<typeof reportCardRequest>;

/** One sample of a report card, as judged. */
export interface ReportCardSample {
  seed: number;
  bytes: number;
  stoppedBy: string;
  /** The studio's verdict (formats/validate.ts). */
  verdict: Verdict;
  /** abc2midi: 'ok' or its first error line; null when not ABC or abcmidi is not installed. */
  abc2midi: string | null;
  /** Bars abc2midi finds the wrong length (null: not run). */
  abc2midiBadBars: number | null;
  /** Bars of the first voice that match the meter, of those judged (ABC; null otherwise). */
  bars: { matching: number; checked: number } | null;
  notes: number;
  copiedShare: number | null;
  /** Valid (abc2midi too, when installed), with notes, and not a copy. */
  accepted: boolean;
}

/** The closeness of the samples' music to the training set on one feature (Yang & Lerch 2020). */
export interface ReportCardFeature {
  feature: 'pitch-class' | 'interval' | 'note-length' | 'pitch-range' | 'notes-per-bar';
  /** Overlap area (0..1) of the training files' distances among themselves and the samples' distances to them; null without enough notes. */
  overlap: number | null;
  /** Scalars: the feature's mean over the training files and over the samples; histograms: the mean distances. */
  train: number | null;
  samples: number | null;
}

/** A checkpoint's report card over N samples (docs/music.md, "A report card per checkpoint"). */
export interface ReportCard {
  id: string;
  runId: string | null;
  modelId: string | null;
  /** 'best' / 'last' of the run, or the checkpoint's path. */
  checkpoint: string;
  step: number | null;
  datasetId: string | null;
  ext: string;
  samples: number;
  created: IsoTime;
  sampling: { topK: number; topP: number; temperature: number; firstSeed: number; constrained: boolean };
  valid: {
    /** Share the studio calls valid. */
    verdict: number;
    /** Share abc2midi converts without an error (null: not ABC, or abcmidi not installed). */
    abc2midi: number | null;
    /** Share of all judged bars that match the meter (null: no bars judged). */
    barsMatching: number | null;
    /** Share of samples whose every judged bar matches the meter (and that have one). */
    fullBars: number | null;
    /** Share with at least one note. */
    withNotes: number;
  };
  /** Share accepted: valid (abc2midi too, when installed), with notes, not a copy. */
  accepted: number;
  /** Share that is mostly a copy of a training file (null: no training files to compare with). */
  copyRate: number | null;
  closeness: { features: ReportCardFeature[]; trainFiles: number; sampleFiles: number } | null;
  perSample: ReportCardSample[];
}

export const sampleMethods = {
  /** Starts generating `count` samples as one batched job; progress arrives as generateProgress events. */
  generate: takes(generateRequest).returns<GenerateJob>(),
  /** Cancels a generation job (what was made so far is kept). */
  cancelGenerate: takes(id).returns<void>(),
  /** Starts making a checkpoint's report card over N samples (valid rates, copy rate, closeness to the training music); reportCard events follow. */
  makeReportCard: takes(reportCardRequest).returns<{ jobId: string }>(),
  /** A run's (or a model's, by its id) report cards, newest first. */
  getReportCards: takes(id).returns<ReportCard[]>(),
  /** Samples matching a query, newest first. */
  listSamples: takes(sampleQuery).returns<{ total: number; samples: SampleInfo[] }>(),
  /** Rates, tags or annotates a sample. */
  updateSample: takes(sampleUpdate).returns<SampleInfo>(),
  /** Deletes a sample and its file. */
  deleteSample: takes(id).returns<void>(),
};
