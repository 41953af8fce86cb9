// Train/eval split and conversion pairs. The reference trains on one folder and evaluates on another,
// so an `eval/` folder inside an import is the eval split; otherwise a seeded fraction is drawn.
// Files sharing a pair key (same folder and stem: tune.abc + tune.mid) always land in the same split.
import { mulberry32, shuffle } from '../formats/prng';

/** Share of files held out when the import has no eval/ folder (the reference's eval_split). */
export const DEFAULT_EVAL_FRACTION = 0.1;
export const EVAL_FOLDER = 'eval';

export type Split = 'train' | 'eval';

export interface Splittable {
  /** Path relative to the imported root, '/'-separated. */
  relPath: string;
  pairKey: string;
}

/** Folder + stem, lower-cased extension removed: files with the same key form a conversion pair. */
export function pairKeyOf(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  const dot = relPath.lastIndexOf('.');
  return dot > slash + 1 ? relPath.slice(0, dot) : relPath;
}

const inEvalFolder = (relPath: string): boolean => relPath.split('/').slice(0, -1).includes(EVAL_FOLDER);

export interface SplitProposal {
  /** The split of each file, in input order. */
  splits: Split[];
  /** What was done, in words, when the split was drawn rather than given by an eval/ folder; else null. */
  note: string | null;
}

/**
 * The split of an import (issue 24 item 4): an eval/ folder is the eval split, as given; otherwise a
 * seeded `evalFraction` of the pair keys is held out — at least one whenever there are two, so a
 * small folder is never left without an eval split in silence — and the note says what was done.
 */
export function proposeSplit(files: Splittable[], evalFraction = DEFAULT_EVAL_FRACTION, seed = 0): SplitProposal {
  if (files.some((f) => inEvalFolder(f.relPath))) return { splits: files.map((f) => (inEvalFolder(f.relPath) ? 'eval' : 'train')), note: null };
  // Sorting first makes the draw independent of the order the folder walk returned files in.
  const keys = shuffle([...new Set(files.map((f) => f.pairKey))].sort(), mulberry32(seed));
  const held = keys.length < 2 ? 0 : Math.min(keys.length - 1, Math.max(1, Math.round(keys.length * evalFraction)));
  const evalKeys = new Set(keys.slice(0, held));
  const splits = files.map((f): Split => (evalKeys.has(f.pairKey) ? 'eval' : 'train'));
  const evalFiles = splits.filter((s) => s === 'eval').length;
  const note = keys.length === 0 ? null
    : held === 0 ? 'no eval/ folder and a single file: nothing held out for evaluation (evaluation can use the training file)'
    : `no eval/ folder: held out ${evalFiles} of ${files.length} files at random for evaluation (${Math.round(evalFraction * 100)} %, at least one); put files in an eval/ folder to choose them`;
  return { splits, note };
}

/** The split of each file, in input order (proposeSplit without its note). */
export function assignSplits(files: Splittable[], evalFraction = DEFAULT_EVAL_FRACTION, seed = 0): Split[] {
  return proposeSplit(files, evalFraction, seed).splits;
}

export interface ConversionPair { pairKey: string; from: string; to: string }

/**
 * Pairs for an `a->b` dataset: for each pair key with one file of extension `from` and one of `to`,
 * their hashes. Keys lacking either side are left out.
 */
export function conversionPairs(files: { pairKey: string; ext: string; sha256: string }[], from: string, to: string): ConversionPair[] {
  const byKey = new Map<string, { from?: string; to?: string }>();
  for (const f of files) {
    const side = f.ext === from ? 'from' : f.ext === to ? 'to' : null;
    if (!side) continue;
    const entry = byKey.get(f.pairKey) ?? {};
    entry[side] = f.sha256;
    byKey.set(f.pairKey, entry);
  }
  return [...byKey].flatMap(([pairKey, e]) => (e.from && e.to ? [{ pairKey, from: e.from, to: e.to }] : []));
}
