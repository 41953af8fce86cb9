// Database-level pieces shared by the Catalogue and recovery: opening with checks and migrations, and
// the inserts both rebuild rows with.
import path from 'node:path';
import { parseAdapter, type GpuAdapterInfo } from '../shared/adapter';
import { UserError } from '../shared/errors';
import { Db, sqliteCode, type Executor } from './db';
import { assertNotNewer, migrate } from './migrations/index';
import { blobPath, toStored } from './paths';
import type { DatasetManifest, RunRecord, SampleSidecar } from './sidecars';
import type { DatasetFileInput } from './types';

/** SQLite codes that mean the file itself is damaged, not the query. */
const DAMAGE_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

export function damaged(file: string, detail: string): UserError {
  const home = path.dirname(file);
  return new UserError(
    `catalogue ${file} is damaged (${detail}); run 'bgpt catalogue recover --home ${home}' to move it aside and rebuild it from the files`,
    'CATALOGUE_DAMAGED');
}

/** Opens, checks and migrates the database file; throws a UserError for a damaged or newer file. */
export async function openDatabase(file: string): Promise<Db> {
  // Damage found later (a page read mid-session) gets the same message as damage found at open.
  const db = await Db.open(file, undefined, (err) => asDamaged(file, err));
  const label = `catalogue ${file}`;
  try {
    await assertNotNewer(db, label);
    const check = await db.all<{ quick_check: string }>('PRAGMA quick_check');
    if (check[0]?.quick_check !== 'ok') throw damaged(file, check.map((r) => r.quick_check).slice(0, 2).join('; '));
    // WAL: readers never block the writer. synchronous=NORMAL is safe in WAL against process crashes
    // (a power cut may lose the last commits, never consistency) and spares an fsync per batch.
    await db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
    await migrate(db, label);
    return db;
  } catch (err) {
    await db.close().catch(() => {});
    throw asDamaged(file, err);
  }
}

function asDamaged(file: string, err: unknown): unknown {
  const code = sqliteCode(err);
  return code && DAMAGE_CODES.has(code) ? damaged(file, (err as Error).message.replace(/^SQLITE_\w+: /, '')) : err;
}

/** JSON text of a value, or a UserError naming what could not be stored. */
export function json(value: unknown, what: string): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new UserError(`${what} is not JSON`);
  return text;
}

/**
 * A run's adapter as the catalogue keeps it: null when absent (a record written before adapters were
 * kept), else only the adapter's known fields; anything else is refused rather than stored.
 */
export function checkAdapter(adapter: unknown): GpuAdapterInfo | null {
  if (adapter === null || adapter === undefined) return null;
  const parsed = parseAdapter(adapter);
  if (!parsed) throw new UserError('run adapter is not a GPU adapter description (vendor, architecture, device, description, software, limits)');
  return parsed;
}

/** The adapter column's text (migration 004). */
export function adapterJson(adapter: unknown): string | null {
  const checked = checkAdapter(adapter);
  return checked ? JSON.stringify(checked) : null;
}

/** Inserts a run row from a run record (createRun and recovery share it). */
export async function insertRunRow(tx: Executor, r: RunRecord, storedDir: string): Promise<void> {
  await tx.run(
    `INSERT INTO runs (id, name, dataset_id, mode, conversion, config, preset, backend, adapter, status, created, started, ended,
       steps_done, steps_total, best_eval_loss, best_eval_bpb, error, run_dir)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [r.id, r.name, r.datasetId, r.mode, r.conversion, json(r.config, 'run config'), r.preset, r.backend, adapterJson(r.adapter), r.status,
      r.created, r.started, r.ended, r.stepsDone, r.stepsTotal, r.bestEvalLoss, r.bestEvalBpb, r.error, storedDir]);
}

/** Inserts a sample row and its tags from a sidecar (addSample and recovery share it). */
export async function insertSample(tx: Executor, s: SampleSidecar, checkpointId: number | null): Promise<void> {
  await tx.run(
    `INSERT INTO samples (id, run_id, checkpoint_id, checkpoint_step, name, params, ext, path, size, validity, validity_reason,
       repaired, rating, notes, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [s.id, s.runId, checkpointId, s.checkpointStep, s.name, json(s.params, 'sampling parameters'), s.ext, s.path, s.size, s.validity,
      s.validityReason, s.repaired ? 1 : 0, s.rating, s.notes, s.created]);
  for (const tag of s.tags) await tx.run('INSERT INTO sample_tags (sample_id, tag) VALUES (?, ?)', [s.id, tag]);
}

/** Inserts a dataset row (createDataset and recovery share it). */
export async function insertDataset(tx: Executor, d: Omit<DatasetManifest, 'version' | 'files'>): Promise<void> {
  await tx.run('INSERT INTO datasets (id, name, source, kind, created, stats) VALUES (?, ?, ?, ?, ?, ?)',
    [d.id, d.name, d.source, d.kind, d.created, json(d.stats, 'dataset stats')]);
}

/** Inserts a dataset's file rows, skipping files it already holds; returns how many were new. */
export async function insertDatasetFiles(tx: Executor, home: string, datasetId: string, files: DatasetFileInput[]): Promise<number> {
  let added = 0;
  for (const f of files) {
    const info = await tx.run(
      `INSERT OR IGNORE INTO dataset_files (dataset_id, sha256, size, ext, modality, split, stored_path, original_name, pair_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [datasetId, f.sha256, f.size, f.ext, f.modality, f.split, toStored(home, blobPath(home, f.sha256)), f.originalName, f.pairKey ?? null]);
    added += info.changes;
  }
  return added;
}
