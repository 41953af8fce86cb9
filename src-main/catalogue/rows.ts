// Mapping between the catalogue's SQL rows (snake_case, 0/1 flags, JSON text, stored paths) and the
// exported camelCase row types.
import type {
  CheckpointFile, CheckpointKind, CheckpointRow, DatasetFileRow, DatasetKind, DatasetRow, Json, RunMode,
  RunRow, RunStatus, SampleGuidance, SampleRow, Split, Validity,
} from './types';
import { fromStored } from './paths';
import { parseAdapter } from '../shared/adapter';

export interface DatasetSql {
  id: string; name: string; source: string; kind: DatasetKind; created: number; stats: string;
  file_count: number; total_bytes: number; missing_count: number;
}

export interface DatasetFileSql {
  dataset_id: string; sha256: string; size: number; ext: string; modality: string; split: Split;
  stored_path: string; original_name: string; pair_key: string | null; missing: number;
}

export interface RunSql {
  id: string; name: string; dataset_id: string | null; dataset_name: string | null; mode: RunMode;
  conversion: string | null; config: string; preset: string | null; backend: string | null; status: RunStatus;
  created: number; started: number | null; ended: number | null; steps_done: number; steps_total: number | null;
  best_eval_loss: number | null; best_eval_bpb: number | null; error: string | null; run_dir: string;
  owner_pid: number | null;
  /** GpuAdapterInfo JSON (migration 004). */
  adapter?: string | null;
}

export interface CheckpointSql {
  id: number; run_id: string; kind: CheckpointKind; step: number; path: string; eval_loss: number | null;
  created: number; files: string; missing: number; valid_rate?: number | null; sha256?: string | null;
}

export interface SampleSql {
  id: string; run_id: string | null; checkpoint_id: number | null; checkpoint_step: number | null; name: string;
  params: string; ext: string; path: string; size: number; validity: Validity; validity_reason: string | null;
  repaired: number; rating: number; notes: string; created: number; missing: number;
  copied_share?: number | null; closest_file?: string | null; is_copy?: number | null; guidance?: string | null;
}

export function datasetRow(r: DatasetSql): DatasetRow {
  return {
    id: r.id, name: r.name, source: r.source, kind: r.kind, created: r.created, stats: JSON.parse(r.stats) as Json,
    fileCount: r.file_count, totalBytes: r.total_bytes, missingCount: r.missing_count,
  };
}

export function datasetFileRow(home: string, r: DatasetFileSql): DatasetFileRow {
  return {
    datasetId: r.dataset_id, sha256: r.sha256, size: r.size, ext: r.ext, modality: r.modality, split: r.split,
    originalName: r.original_name, pairKey: r.pair_key, path: fromStored(home, r.stored_path), missing: r.missing === 1,
  };
}

export function runRow(home: string, r: RunSql): RunRow {
  return {
    id: r.id, name: r.name, datasetId: r.dataset_id, datasetName: r.dataset_name, mode: r.mode,
    conversion: r.conversion, config: JSON.parse(r.config) as Json, preset: r.preset, backend: r.backend,
    adapter: r.adapter ? parseAdapter(JSON.parse(r.adapter)) : null,
    status: r.status, created: r.created, started: r.started, ended: r.ended, stepsDone: r.steps_done,
    stepsTotal: r.steps_total, bestEvalLoss: r.best_eval_loss, bestEvalBpb: r.best_eval_bpb, error: r.error,
    runDir: fromStored(home, r.run_dir),
  };
}

export function checkpointRow(home: string, r: CheckpointSql): CheckpointRow {
  return {
    id: r.id, runId: r.run_id, kind: r.kind, step: r.step, path: fromStored(home, r.path), evalLoss: r.eval_loss,
    validRate: r.valid_rate ?? null, created: r.created, files: JSON.parse(r.files) as CheckpointFile[], missing: r.missing === 1,
    sha256: r.sha256 ?? null,
  };
}

export function sampleRow(home: string, r: SampleSql, tags: string[]): SampleRow {
  return {
    id: r.id, runId: r.run_id, checkpointId: r.checkpoint_id, checkpointStep: r.checkpoint_step, name: r.name,
    params: JSON.parse(r.params) as Json, ext: r.ext, path: fromStored(home, r.path), size: r.size,
    validity: r.validity, validityReason: r.validity_reason, repaired: r.repaired === 1, rating: r.rating, tags,
    notes: r.notes, created: r.created, missing: r.missing === 1,
    copiedShare: r.copied_share ?? null, closestFile: r.closest_file ?? null,
    isCopy: r.is_copy === null || r.is_copy === undefined ? null : r.is_copy === 1,
    guidance: r.guidance ? (JSON.parse(r.guidance) as SampleGuidance) : null,
  };
}

/** SELECT list shared by every run query (the dataset's name comes from a LEFT JOIN). */
export const RUN_SELECT = `SELECT r.*, d.name AS dataset_name FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id`;

/** SELECT list shared by every dataset query, with file counts for the list view. */
export const DATASET_SELECT = `SELECT d.*,
  (SELECT COUNT(*) FROM dataset_files f WHERE f.dataset_id = d.id) AS file_count,
  (SELECT COALESCE(SUM(size), 0) FROM dataset_files f WHERE f.dataset_id = d.id) AS total_bytes,
  (SELECT COUNT(*) FROM dataset_files f WHERE f.dataset_id = d.id AND f.missing = 1) AS missing_count
  FROM datasets d`;
