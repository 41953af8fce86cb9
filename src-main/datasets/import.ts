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
//
// ABC tune books come in as tunes (docs/music.md, "Your own tune books"): a file holding several tunes is
// cut into one cleaned tune per file (formats/abc-book.ts), a tune whose music another tune of the import
// already has is a duplicate, each tune may be transposed to N keys (formats/abc-transpose.ts), and the
// eval split is drawn by tune, so every key of a tune lands on the same side.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../node/atomic';
import { blobPath } from '../catalogue/paths';
import { UserError } from '../shared/errors';
import type { ImportBookReport } from '../shared/contract';
import { detectModality, extensionOf, validate, type Modality } from '../formats';
import { decodeUtf8 } from '../formats/text';
import { musicKey, readTuneBook, tuneSlug } from '../formats/abc-book';
import { transposeAbc, transpositions } from '../formats/abc-transpose';
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
  /** Keys each ABC tune is imported in: 1 = as written (default), up to 12 (formats/abc-transpose.ts KEY_ORDER). */
  keys?: number;
}

/** What one ABC file held and what became of its tunes (the import report's per-book lines). */
export type BookReport = ImportBookReport;

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
  /** Files of one group always share a split: every key of one tune (default: the pair key). */
  group?: string;
}

export interface ImportPlan {
  files: ImportedFile[];
  duplicates: { path: string; sha256: string; duplicateOf: string }[];
  skipped: Skipped[];
  byModality: Partial<Record<Modality, number>>;
  stats: ImportStats;
  /** One line per ABC file: the tunes it held, imported, refused, duplicated. */
  books: BookReport[];
  /** How the eval split was chosen when no eval/ folder gave it (split.ts proposeSplit); null otherwise. */
  splitNote: string | null;
}

/** Where a planned blob's bytes come from at commit: a file to read again, or bytes made by the plan. */
export type BlobSource = string | Uint8Array;

/** A file to import that is not on disk (a downloaded collection's entries): its path as shown and its bytes. */
export interface ImportEntry {
  /** Path relative to the collection ('/'-separated): an `eval/` folder in it is the eval split. */
  relPath: string;
  displayPath: string;
  bytes: Uint8Array;
}

interface Judged { file: ImportedFile; source: BlobSource; relPath: string }

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const throwIfAborted = (signal?: AbortSignal): void => {
  if (signal?.aborted) throw new UserError('import cancelled; nothing was kept', 'ABORTED');
};

/** Reads, hashes and judges every file; writes nothing. */
export async function planImport(inputs: string[], options: ImportOptions): Promise<{ plan: ImportPlan; sources: Map<string, BlobSource> }> {
  const { candidates, skipped } = await collectFiles(inputs, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  const planner = new Planner(options, skipped);
  for (const c of candidates) {
    throwIfAborted(options.signal);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fs.readFile(c.absPath));
    } catch (err) {
      skipped.push({ path: c.displayPath, reason: `unreadable: ${(err as NodeJS.ErrnoException).code ?? err}` });
      continue;
    }
    planner.add(c.displayPath, c.relPath, bytes, c.absPath);
    options.progress?.(`read ${planner.count}/${candidates.length} ${c.displayPath}`);
  }
  return planner.finish();
}

/** The same plan for files given as bytes (a downloaded collection); writes nothing. */
export function planEntries(entries: Iterable<ImportEntry>, options: ImportOptions): { plan: ImportPlan; sources: Map<string, BlobSource> } {
  const planner = new Planner(options, []);
  for (const e of entries) {
    throwIfAborted(options.signal);
    planner.add(e.displayPath, e.relPath, e.bytes, e.bytes);
  }
  return planner.finish();
}

/** Accumulates judged files, duplicates, refusals and book reports over one import. */
class Planner {
  private readonly seen = new Map<string, string>();
  /** Music of every tune taken so far (formats/abc-book.ts musicKey) → where it was first seen. */
  private readonly tunesSeen = new Map<string, string>();
  private readonly duplicates: ImportPlan['duplicates'] = [];
  private readonly judged: Judged[] = [];
  private readonly books: BookReport[] = [];
  private readonly stats: StatsAccumulator;
  private readonly shifts: number[];
  private files = 0;

  constructor(private readonly options: ImportOptions, private readonly skipped: Skipped[]) {
    this.stats = new StatsAccumulator(options.window);
    this.shifts = transpositions(options.keys ?? 1);
  }

  get count(): number {
    return this.files;
  }

  /** One file of the import; `source` is how commit reads it again (its path, or its bytes). */
  add(displayPath: string, relPath: string, bytes: Uint8Array, source: BlobSource): void {
    this.files++;
    const name = relPath.split('/').pop() ?? relPath;
    const ext = name.includes('.') ? extensionOf(name) : '';
    if (detectModality(bytes, ext) === 'abc' && this.addTunes(displayPath, relPath, bytes, source)) return;
    this.addFile(displayPath, relPath, bytes, source, {});
  }

  /** Judges and records one file's bytes. */
  private addFile(displayPath: string, relPath: string, bytes: Uint8Array, source: BlobSource, extra: { group?: string; name?: string }): 'taken' | 'duplicate' | 'refused' {
    const hash = sha256(bytes);
    const earlier = this.seen.get(hash) ?? (this.options.existingHashes?.has(hash) ? 'a file already in the studio' : undefined);
    if (earlier) {
      this.duplicates.push({ path: displayPath, sha256: hash, duplicateOf: earlier });
      return 'duplicate';
    }
    const name = extra.name ?? relPath.split('/').pop() ?? relPath;
    const ext = name.includes('.') ? extensionOf(name) : '';
    const modality = detectModality(bytes, ext);
    const verdict = CHECKED_MODALITIES.has(modality) ? validate(bytes, ext) : { verdict: 'valid' as const };
    if (verdict.verdict === 'invalid') {
      this.skipped.push({ path: displayPath, reason: `malformed ${MODALITY_NAMES[modality]}: ${verdict.reason}` });
      return 'refused';
    }
    this.seen.set(hash, displayPath);
    this.stats.add(bytes);
    const file: ImportedFile = { path: displayPath, name, ext, sha256: hash, size: bytes.length, modality, split: 'train', pairKey: pairKeyOf(relPath) };
    if (extra.group) file.group = extra.group;
    if (verdict.verdict === 'repaired') file.note = `repairable: ${verdict.reason}`;
    this.judged.push({ file, source, relPath });
    return 'taken';
  }

  /**
   * An ABC file as tunes: a book is cut into cleaned tunes (a one-tune file stays as it is), each
   * tune's music is checked against the tunes seen before, and each is moved to the asked keys.
   * Returns false for a file that is a single tune in one key (imported as an ordinary file).
   */
  private addTunes(displayPath: string, relPath: string, bytes: Uint8Array, source: BlobSource): boolean {
    const text = decodeUtf8(bytes);
    if (text === null) return false;
    const book = readTuneBook(text);
    const held = book.tunes.length + book.refused.length;
    if (held <= 1 && this.shifts.length === 1) {
      // One tune in its written key: the file as it is (its comments and layout are the author's).
      const tune = book.tunes[0];
      if (tune) {
        const key = musicKey(tune.abc);
        const first = this.tunesSeen.get(key);
        if (first) {
          this.duplicates.push({ path: displayPath, sha256: sha256(bytes), duplicateOf: first });
          return true;
        }
        this.tunesSeen.set(key, displayPath);
      }
      return false;
    }
    const report: BookReport = { path: displayPath, tunes: held, imported: 0, files: 0, refused: book.refused.length, duplicates: 0 };
    const label = (t: { index: number; title: string; line: number }) => (held <= 1 ? displayPath : `${displayPath}: tune ${t.index}${t.title ? ` '${t.title}'` : ''} (line ${t.line})`);
    for (const r of book.refused) this.skipped.push({ path: label(r), reason: r.reason });
    const dir = relPath.includes('/') ? relPath.slice(0, relPath.lastIndexOf('/') + 1) : '';
    const stem = pairKeyOf(relPath.slice(dir.length));
    for (const tune of book.tunes) {
      const where = label(tune);
      // A one-tune file keeps its own bytes in its written key; a book's tunes are cleaned (formats/abc-book.ts).
      const written = held <= 1 ? text : tune.abc;
      const key = musicKey(tune.abc);
      const first = this.tunesSeen.get(key);
      if (first) {
        this.duplicates.push({ path: where, sha256: sha256(new TextEncoder().encode(written)), duplicateOf: first });
        report.duplicates++;
        continue;
      }
      this.tunesSeen.set(key, where);
      const base = held <= 1 ? stem : `${stem}/${String(tune.index).padStart(3, '0')}-${tuneSlug(tune.title)}`;
      const group = `${dir}${base}`;
      let made = 0;
      for (const shift of this.shifts) {
        const moved = shift === 0 ? { abc: written } : transposeAbc(written, shift);
        if ('error' in moved) break; // the same reason holds for every other key
        const variant = shift === 0 ? '' : `~${shift > 0 ? 'up' : 'down'}${Math.abs(shift)}`;
        const file = `${dir}${base}${variant}.abc`;
        const bytesOut = new TextEncoder().encode(moved.abc);
        const shown = shift === 0 ? where : `${where} ${variant.slice(1)}`;
        const outcome = this.addFile(shown, file, bytesOut, bytesOut, { group, name: file.split('/').pop() });
        if (outcome === 'taken') made++;
        else if (shift === 0) {
          // The written key is already in the studio, or refused: no other key is tried.
          if (outcome === 'duplicate') report.duplicates++;
          else report.refused++;
          break;
        }
      }
      if (made > 0) report.imported++;
      report.files += made;
    }
    this.books.push(report);
    return true;
  }

  finish(): { plan: ImportPlan; sources: Map<string, BlobSource> } {
    const { judged } = this;
    // Split by tune: every key of a tune (its group) stays on one side (proposeSplit's pair key).
    const { splits, note: splitNote } = proposeSplit(judged.map((j) => ({ relPath: j.relPath, pairKey: j.file.group ?? j.file.pairKey })), this.options.evalFraction ?? DEFAULT_EVAL_FRACTION, this.options.seed ?? 0);
    judged.forEach((j, i) => (j.file.split = splits[i]));
    const byModality: ImportPlan['byModality'] = {};
    for (const { file } of judged) byModality[file.modality] = (byModality[file.modality] ?? 0) + 1;
    const plan: ImportPlan = { files: judged.map((j) => j.file), duplicates: this.duplicates, skipped: this.skipped, byModality, stats: this.stats.result(), books: this.books, splitNote };
    return { plan, sources: new Map(judged.map((j) => [j.file.sha256, j.source])) };
  }
}

/**
 * Blob writes in flight at once: each is a file and a folder fsync, and a collection of 200,000 tunes
 * would otherwise wait on them one by one (the disk takes a batch of syncs about as fast as one).
 */
const WRITE_CONCURRENCY = 16;

/** Copies each planned blob that is not there yet; on failure removes the ones it created. */
export async function commitBlobs(plan: ImportPlan, sources: Map<string, BlobSource>, options: ImportOptions): Promise<void> {
  const created: string[] = [];
  let next = 0;
  let failed: unknown = null;
  const worker = async () => {
    while (failed === null && next < plan.files.length) {
      const file = plan.files[next++];
      throwIfAborted(options.signal);
      const target = blobPath(options.home, file.sha256);
      if ((await fs.stat(target).catch(() => null))?.size === file.size) continue;
      const source = sources.get(file.sha256)!;
      const bytes = typeof source === 'string' ? new Uint8Array(await fs.readFile(source)) : source;
      if (sha256(bytes) !== file.sha256) throw new UserError(`${file.path} changed while it was imported; nothing was kept`);
      await writeFileAtomic(target, bytes);
      created.push(target);
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, () => worker().catch((err: unknown) => { failed ??= err; })));
  if (failed !== null) {
    await Promise.all(created.map((p) => fs.rm(p, { force: true })));
    throw failed;
  }
}

/** Plans and commits an import: the report lists what was imported, duplicated and skipped. */
export async function importPaths(inputs: string[], options: ImportOptions): Promise<ImportPlan> {
  const { plan, sources } = await planImport(inputs, options);
  await commitBlobs(plan, sources, options);
  return plan;
}

/** Plans and commits files given as bytes (datasets/collections.ts: a downloaded tune collection). */
export async function importEntries(entries: Iterable<ImportEntry>, options: ImportOptions): Promise<ImportPlan> {
  const { plan, sources } = planEntries(entries, options);
  await commitBlobs(plan, sources, options);
  return plan;
}
