// Input files for the engine: `{ name, ext, bytes }` records, read from paths with one-line errors,
// and the folder layout of a training set (an `eval/` sub-folder is the eval split, as the reference's
// TRAIN_FOLDERS / EVAL_FOLDERS; otherwise a seeded fraction is held out).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../shared/errors';
import { extOf } from '../../shared/patches';
import { permutation, Rng } from '../model/rng';

export { readInputFile, type InputFile } from '../../node/input-file';
import type { InputFile } from '../../node/input-file';
import { readInputFile } from '../../node/input-file';

/** A conversion pair: the model reads `input` and learns to write `target`. */
export interface FilePair {
  input: InputFile;
  target: InputFile;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

/** The held-out share when a folder has no `eval/` sub-folder: enough to track overfitting on small sets. */
export const EVAL_FRACTION = 0.1;
const EVAL_FOLDER = 'eval';

export interface FolderSplit {
  train: InputFile[];
  eval: InputFile[];
  /** Files left out, with the reason (empty files). */
  skipped: Array<{ path: string; reason: string }>;
}

async function readAll(files: string[], skipped: FolderSplit['skipped']): Promise<InputFile[]> {
  const out: InputFile[] = [];
  for (const f of files) {
    const bytes = new Uint8Array(await fs.readFile(f));
    if (bytes.length === 0) skipped.push({ path: f, reason: 'empty file' });
    else out.push({ name: f, ext: extOf(f), bytes });
  }
  return out;
}

/** Reads a training folder: `DIR/eval/` is the eval split if present, else a seeded 10 % (at least one file). */
export async function readFolder(dir: string, seed: number): Promise<FolderSplit> {
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat?.isDirectory()) throw new UserError(`${dir}: no such folder`, 'BAD_INPUT');
  const evalDir = path.join(dir, EVAL_FOLDER);
  const hasEvalDir = (await fs.stat(evalDir).catch(() => null))?.isDirectory() ?? false;
  const all = await listFiles(dir);
  const skipped: FolderSplit['skipped'] = [];
  const inEval = (f: string) => hasEvalDir && f.startsWith(evalDir + path.sep);
  let train = await readAll(all.filter((f) => !inEval(f)), skipped);
  let evalSet = await readAll(all.filter(inEval), skipped);
  if (!hasEvalDir && train.length > 1) {
    const order = permutation(train.length, new Rng(seed));
    const k = Math.max(1, Math.round(train.length * EVAL_FRACTION));
    const held = new Set(Array.from(order.subarray(0, k)));
    evalSet = train.filter((_, i) => held.has(i));
    train = train.filter((_, i) => !held.has(i));
  }
  if (train.length === 0) throw new UserError(`${dir}: no non-empty files to train on`, 'BAD_INPUT');
  return { train, eval: evalSet, skipped };
}

/**
 * Conversion pairs as the reference finds them: for each direction a→b, every file ending in `.a`
 * whose sibling with the same stem and `.b` exists. Directions come from parseConversionMode.
 */
export function conversionPairs(files: InputFile[], directions: Array<{ from: string; to: string }>): FilePair[] {
  const byName = new Map(files.map((f) => [f.name, f]));
  const pairs: FilePair[] = [];
  for (const { from, to } of directions) {
    for (const f of files) {
      if (!f.name.endsWith(`.${from}`)) continue;
      const target = byName.get(f.name.slice(0, f.name.length - from.length) + to);
      if (target) pairs.push({ input: f, target });
    }
  }
  return pairs;
}
