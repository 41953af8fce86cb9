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

/** The split of each file, in input order. */
export function assignSplits(files: Splittable[], evalFraction = DEFAULT_EVAL_FRACTION, seed = 0): Split[] {
  if (files.some((f) => inEvalFolder(f.relPath))) return files.map((f) => (inEvalFolder(f.relPath) ? 'eval' : 'train'));
  // Sorting first makes the draw independent of the order the folder walk returned files in.
  const keys = shuffle([...new Set(files.map((f) => f.pairKey))].sort(), mulberry32(seed));
  const evalKeys = new Set(keys.slice(0, Math.round(keys.length * evalFraction)));
  return files.map((f) => (evalKeys.has(f.pairKey) ? 'eval' : 'train'));
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
