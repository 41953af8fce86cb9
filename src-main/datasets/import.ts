// Import of files and folders into the studio home (docs/formats.md, docs/ARCHITECTURE.md): a plan phase reads, hashes,
// detects and validates every file without writing; a commit phase copies new bytes to
// <home>/datasets/blobs/<sha[0:2]>/<sha> atomically. It does not touch the catalogue: the caller
// records the returned rows in one transaction.
//
// No partial dataset: nothing is written until every file has been judged; each blob appears under
// its final name only whole (write, fsync, rename); if copying fails or is aborted midway, the blobs
// this import created are removed again before the error is rethrown. Blobs are content-addressed,
// so a repeated import rewrites nothing, and a crash between copy and catalogue commit leaves only
// unreferenced blobs, which the catalogue's reconcile sweeps.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../node/atomic';
import { blobPath } from '../catalogue/paths';
import { UserError } from '../shared/errors';
import { detectModality, extensionOf, validate, type Modality } from '../formats';
import { collectFiles, type Skipped } from './walk';
import { StatsAccumulator, type ImportStats, type Window } from './stats';
import { proposeSplit, pairKeyOf, DEFAULT_EVAL_FRACTION, type Split } from './split';

/** Larger files are refused: the model sees at most one window of a file (8 KiB at paper size), and a
 * dataset of films would fill the disk; 64 MiB still takes whole tune books, audio and images. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 2 ** 20;

/** Modalities whose structure we check at import; the others are bytes the model may learn as they are. */
const CHECKED_MODALITIES = new Set<Modality>(['midi', 'wav', 'bmp', 'abc']);
const MODALITY_NAMES: Record<Modality, string> = { midi: 'MIDI', wav: 'WAV', bmp: 'BMP', abc: 'ABC', text: 'text', cpu: 'CPU trace', binary: 'binary' };

export interface ImportOptions {
  home: string;
  /** sha256s already in the studio: files with these bytes are reported as duplicates. */
  existingHashes?: ReadonlySet<string>;
  maxFileBytes?: number;
  evalFraction?: number;
  seed?: number;
  /** Window the fit/crop statistics are computed for (default: the paper's 16 × 512). */
  window?: Window;
  signal?: AbortSignal;
  progress?: (message: string) => void;
}

export interface ImportedFile {
  /** The path as the user gave it (folder + path inside). */
  path: string;
  /** File name without folders. */
  name: string;
  ext: string;
  sha256: string;
  size: number;
  modality: Modality;
  split: Split;
  /** Files with the same key (folder + stem) are conversion pairs (tune.abc + tune.mid). */
  pairKey: string;
  /** Set when the file has a repairable flaw; its original bytes are imported. */
  note?: string;
}

export interface ImportPlan {
  files: ImportedFile[];
  duplicates: { path: string; sha256: string; duplicateOf: string }[];
  skipped: Skipped[];
  byModality: Partial<Record<Modality, number>>;
  stats: ImportStats;
  /** How the eval split was chosen when no eval/ folder gave it (split.ts proposeSplit); null otherwise. */
  splitNote: string | null;
}

interface Judged { file: ImportedFile; absPath: string; relPath: string }

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const throwIfAborted = (signal?: AbortSignal): void => {
  if (signal?.aborted) throw new UserError('import cancelled; nothing was kept', 'ABORTED');
};

/** Reads, hashes and judges every file; writes nothing. */
export async function planImport(inputs: string[], options: ImportOptions): Promise<{ plan: ImportPlan; sources: Map<string, string> }> {
  const { candidates, skipped } = await collectFiles(inputs, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  const seen = new Map<string, string>();
  const duplicates: ImportPlan['duplicates'] = [];
  const judged: Judged[] = [];
  const stats = new StatsAccumulator(options.window);
  for (const c of candidates) {
    throwIfAborted(options.signal);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fs.readFile(c.absPath));
    } catch (err) {
      skipped.push({ path: c.displayPath, reason: `unreadable: ${(err as NodeJS.ErrnoException).code ?? err}` });
      continue;
    }
    const hash = sha256(bytes);
    const earlier = seen.get(hash) ?? (options.existingHashes?.has(hash) ? 'a file already in the studio' : undefined);
    if (earlier) {
      duplicates.push({ path: c.displayPath, sha256: hash, duplicateOf: earlier });
      continue;
    }
    const name = c.relPath.split('/').pop() ?? c.relPath;
    const ext = name.includes('.') ? extensionOf(name) : '';
    const modality = detectModality(bytes, ext);
    const verdict = CHECKED_MODALITIES.has(modality) ? validate(bytes, ext) : { verdict: 'valid' as const };
    if (verdict.verdict === 'invalid') {
      skipped.push({ path: c.displayPath, reason: `malformed ${MODALITY_NAMES[modality]}: ${verdict.reason}` });
      continue;
    }
    seen.set(hash, c.displayPath);
    stats.add(bytes);
    const file: ImportedFile = { path: c.displayPath, name, ext, sha256: hash, size: bytes.length, modality, split: 'train', pairKey: pairKeyOf(c.relPath) };
    if (verdict.verdict === 'repaired') file.note = `repairable: ${verdict.reason}`;
    judged.push({ file, absPath: c.absPath, relPath: c.relPath });
    options.progress?.(`read ${judged.length}/${candidates.length} ${c.displayPath}`);
  }
  const { splits, note: splitNote } = proposeSplit(judged.map((j) => ({ relPath: j.relPath, pairKey: j.file.pairKey })), options.evalFraction ?? DEFAULT_EVAL_FRACTION, options.seed ?? 0);
  judged.forEach((j, i) => (j.file.split = splits[i]));
  const byModality: ImportPlan['byModality'] = {};
  for (const { file } of judged) byModality[file.modality] = (byModality[file.modality] ?? 0) + 1;
  const plan = { files: judged.map((j) => j.file), duplicates, skipped, byModality, stats: stats.result(), splitNote };
  return { plan, sources: new Map(judged.map((j) => [j.file.sha256, j.absPath])) };
}

/** Copies each planned blob that is not there yet; on failure removes the ones it created. */
export async function commitBlobs(plan: ImportPlan, sources: Map<string, string>, options: ImportOptions): Promise<void> {
  const created: string[] = [];
  try {
    for (const file of plan.files) {
      throwIfAborted(options.signal);
      const target = blobPath(options.home, file.sha256);
      if ((await fs.stat(target).catch(() => null))?.size === file.size) continue;
      const bytes = new Uint8Array(await fs.readFile(sources.get(file.sha256)!));
      if (sha256(bytes) !== file.sha256) throw new UserError(`${file.path} changed while it was imported; nothing was kept`);
      await writeFileAtomic(target, bytes);
      created.push(target);
    }
  } catch (err) {
    await Promise.all(created.map((p) => fs.rm(p, { force: true })));
    throw err;
  }
}

/** Plans and commits an import: the report lists what was imported, duplicated and skipped. */
export async function importPaths(inputs: string[], options: ImportOptions): Promise<ImportPlan> {
  const { plan, sources } = await planImport(inputs, options);
  await commitBlobs(plan, sources, options);
  return plan;
}
