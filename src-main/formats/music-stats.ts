// How close generated music is to a training set (Yang & Lerch 2020, "On the evaluation of generative models
// in music", Neural Computing and Applications 32: §3, "relative measurements"). Each file gives a few musical
// features (formats/music-events.ts notes); for each feature, the distances between every pair of training
// files (intra-set) and between every sample and every training file (inter-set) are two distributions; each
// is smoothed with a Gaussian kernel density estimate, and their overlap area says how alike the samples are to
// the training music on that feature: 1 when they are as close to it as its own files are to each other, near
// 0 when they sit apart. Pure TypeScript (the renderer may use it too).
import type { MusicEvents } from './music-events';

/** Semitone intervals counted (larger leaps fold into the outer bins). */
const MAX_INTERVAL = 12;
/** Note-length classes in whole notes: 32nd to whole, with the dotted ones between. */
export const LENGTH_CLASSES = [1 / 32, 1 / 16, 3 / 32, 1 / 8, 3 / 16, 1 / 4, 3 / 8, 1 / 2, 3 / 4, 1];
/** Training files compared, at most: pairs grow with the square, and 100 files give 4,950 distances. */
export const MAX_REFERENCE_FILES = 100;
/** Points on which the two densities are compared. */
const GRID = 512;

export type FeatureName = 'pitch-class' | 'interval' | 'note-length' | 'pitch-range' | 'notes-per-bar';
export const FEATURES: readonly FeatureName[] = ['pitch-class', 'interval', 'note-length', 'pitch-range', 'notes-per-bar'];

/** One file's features: histograms (normalised to sum 1) and scalars. */
export type Features = Record<FeatureName, number[]>;

function normalise(h: number[]): number[] {
  const total = h.reduce((a, b) => a + b, 0);
  return total > 0 ? h.map((v) => v / total) : h;
}

/** The nearest length class on a log scale. */
function lengthClass(d: number): number {
  let best = 0;
  for (let i = 1; i < LENGTH_CLASSES.length; i++) if (Math.abs(Math.log2(d / LENGTH_CLASSES[i])) < Math.abs(Math.log2(d / LENGTH_CLASSES[best]))) best = i;
  return best;
}

/** A file's features (Yang & Lerch's PCH, pitch-interval and note-length histograms, pitch range, notes per bar); null with fewer than two notes. */
export function featuresOf(e: MusicEvents): Features | null {
  const notes = e.notes.filter((n) => n.duration > 0);
  if (notes.length < 2) return null;
  const pc = new Array(12).fill(0);
  for (const n of notes) pc[((n.pitch % 12) + 12) % 12]++;
  // Intervals between successive onsets' lowest notes (a chord's notes are not a melody's steps).
  const melody = notes.filter((n, i) => i === 0 || n.start > notes[i - 1].start + 1e-9);
  const iv = new Array(2 * MAX_INTERVAL + 1).fill(0);
  for (let i = 1; i < melody.length; i++) iv[Math.max(-MAX_INTERVAL, Math.min(MAX_INTERVAL, melody[i].pitch - melody[i - 1].pitch)) + MAX_INTERVAL]++;
  const nl = new Array(LENGTH_CLASSES.length).fill(0);
  for (const n of notes) nl[lengthClass(n.duration)]++;
  // A loop, not Math.max(...pitches): a spread of a million notes overflows the stack.
  let low = Infinity;
  let high = -Infinity;
  for (const n of notes) {
    low = Math.min(low, n.pitch);
    high = Math.max(high, n.pitch);
  }
  const bars = Math.max(1, e.barCount || 1);
  return {
    'pitch-class': normalise(pc),
    interval: normalise(iv),
    'note-length': normalise(nl),
    'pitch-range': [high - low],
    'notes-per-bar': [notes.length / bars],
  };
}

function distance(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Silverman's rule of thumb for a Gaussian kernel; a floor keeps a set of equal distances a narrow bump. */
function bandwidth(xs: number[]): number {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const sorted = [...xs].sort((a, b) => a - b);
  const iqr = sorted[Math.floor(0.75 * (n - 1))] - sorted[Math.floor(0.25 * (n - 1))];
  const spread = Math.min(sd, iqr > 0 ? iqr / 1.34 : sd);
  return Math.max(0.9 * spread * n ** -0.2, 1e-3 * Math.max(1, Math.abs(mean)), 1e-6);
}

/** A Gaussian kernel density estimate evaluated on `grid`. */
function kde(xs: number[], grid: number[]): number[] {
  const h = bandwidth(xs);
  const norm = 1 / (xs.length * h * Math.sqrt(2 * Math.PI));
  return grid.map((g) => {
    let s = 0;
    for (const x of xs) s += Math.exp(-0.5 * ((g - x) / h) ** 2);
    return s * norm;
  });
}

/** Overlap area ∫ min(p, q) of two samples' densities (0..1), on a grid spanning both with three bandwidths to spare. */
export function overlapArea(a: number[], b: number[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const pad = 3 * Math.max(bandwidth(a), bandwidth(b));
  const lo = Math.min(...a, ...b) - pad;
  const hi = Math.max(...a, ...b) + pad;
  const step = (hi - lo) / (GRID - 1);
  const grid = Array.from({ length: GRID }, (_, i) => lo + i * step);
  const p = kde(a, grid);
  const q = kde(b, grid);
  let area = 0;
  for (let i = 0; i < GRID; i++) area += Math.min(p[i], q[i]) * step;
  return Math.max(0, Math.min(1, area));
}

export interface FeatureCloseness {
  feature: FeatureName;
  /** Overlap area of the intra-set (training) and inter-set (samples × training) distance densities; null without enough files. */
  overlap: number | null;
  /** Mean of the feature's scalar (pitch range, notes per bar) or of its histogram's distance to the training mean; for reading the card. */
  train: number | null;
  samples: number | null;
}

export interface Closeness {
  features: FeatureCloseness[];
  /** Files that gave features (at least two notes). */
  trainFiles: number;
  sampleFiles: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/**
 * Per feature, the overlap of intra-set distances of `train` and inter-set distances between `samples`
 * and `train` (Yang & Lerch 2020 §3.2). `train` should hold at most MAX_REFERENCE_FILES files.
 */
export function closeness(train: Features[], samples: Features[]): Closeness {
  const features = FEATURES.map((feature): FeatureCloseness => {
    const scalar = feature === 'pitch-range' || feature === 'notes-per-bar';
    const summary = (set: Features[]) => mean(set.map((f) => f[feature][0]));
    if (train.length < 2 || samples.length === 0) {
      return { feature, overlap: null, train: scalar ? summary(train) : null, samples: scalar ? summary(samples) : null };
    }
    const intra: number[] = [];
    for (let i = 0; i < train.length; i++) for (let j = i + 1; j < train.length; j++) intra.push(distance(train[i][feature], train[j][feature]));
    const inter: number[] = [];
    for (const s of samples) for (const t of train) inter.push(distance(s[feature], t[feature]));
    return {
      feature,
      overlap: Number(overlapArea(intra, inter).toFixed(3)),
      train: scalar ? summary(train) : mean(intra),
      samples: scalar ? summary(samples) : mean(inter),
    };
  });
  return { features, trainFiles: train.length, sampleFiles: samples.length };
}
