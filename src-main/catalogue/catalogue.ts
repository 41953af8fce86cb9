// The studio's catalogue: one SQLite file, `<home>/catalogue.sqlite`, indexing the datasets,
// runs, metrics, checkpoints and samples whose files live beside it (docs/ARCHITECTURE.md). Callers write files
// first (atomically) and record them here second; open() reconciles the two.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../shared/errors';
import { sha256OfFile } from '../node/sha256';
import { sqliteCode, type Db } from './db';
import { adapterJson, checkAdapter, insertDataset, insertDatasetFiles, insertRunRow, insertSample, json, openDatabase } from './store';
import {
  blobPath, cataloguePath, checkExt, checkId, fromStored, manifestPath, newId, runDir, runRecordPath, sampleSidecarPath,
  toStored,
} from './paths';
import { reconcile, fingerprintDir, isProcessAlive, type CheckpointInfoReader } from './reconcile';
import {
  checkpointRow, datasetFileRow, datasetRow, runRow, sampleRow, DATASET_SELECT, RUN_SELECT, type CheckpointSql,
  type DatasetFileSql, type DatasetSql, type RunSql, type SampleSql,
} from './rows';
import { readSeries } from './series';
import { SIDECAR_VERSION, writeSidecar, type RunRecord, type SampleSidecar } from './sidecars';
import {
  FINAL_STATUSES, LIVE_STATUSES, RUN_STATUSES, type CheckpointRow, type DatasetFileInput, type DatasetFileRow,
  type DatasetRow, type MetricInput, type MetricName, type MetricSeries, type NewCheckpoint, type NewDataset,
  type NewRun, type NewSample, type ReconcileReport, type RecoveryReport, type RunRow, type RunUpdate, type SamplePage,
  type SampleQuery, type SampleRow, type SampleChecks, type SampleUpdate, type TagCount, type Validity, type DatasetKind, type RunMode,
} from './types';
import { recoverCatalogue } from './recover';
import { ModelStore } from './models';
import { ReportCardStore } from './report-cards';
import { preparePrivateHome, readOnlyHome } from './private';

export interface CatalogueOptions {
  /** Reads step and eval loss from a checkpoint directory; lets reconcile and recover follow the files. */
  checkpointInfo?: CheckpointInfoReader;
}

export interface RecoverOptions extends CatalogueOptions {
  /** Rebuild even a catalogue that opens fine (its metrics are lost). */
  force?: boolean;
}

/** Samples per page when the query names none, and the most one page may hold. */
const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
/** Curve points per run and metric when the caller names no maximum: about one per pixel of a chart. */
const DEFAULT_SERIES_POINTS = 1_000;
/** Rows per INSERT statement in appendMetrics (10 columns each, well under SQLite's variable limit). */
const METRIC_ROWS_PER_STATEMENT = 500;
/** Tags are short labels shown as chips; a longer one is almost certainly a pasted note. */
const MAX_TAG_LENGTH = 64;
const VALIDITIES: readonly Validity[] = ['valid', 'repaired', 'invalid'];
const DATASET_KINDS: readonly DatasetKind[] = ['generative', 'conversion'];
const RUN_MODES: readonly RunMode[] = ['generative', 'conversion', 'classification'];

function nameTaken(name: string): UserError {
  return new UserError(`a dataset named '${name}' already exists`);
}

function normalizeTags(tags: string[]): string[] {
  const clean = new Set<string>();
  for (const t of tags) {
    const tag = t.trim().toLowerCase().replace(/\s+/g, ' ');
    if (!tag) continue;
    if (tag.length > MAX_TAG_LENGTH) throw new UserError(`tag '${tag.slice(0, 20)}…' is longer than ${MAX_TAG_LENGTH} characters`);
    clean.add(tag);
  }
  return [...clean].sort();
}

function checkRating(rating: number): number {
  if (!Number.isInteger(rating) || rating < 0 || rating > 5) throw new UserError(`rating must be a whole number from 0 to 5, got ${rating}`);
  return rating;
}

/** Escapes LIKE wildcards so user text matches literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class Catalogue {
  /** What the reconcile at open found and fixed. */
  lastReconcile: ReconcileReport | null = null;
  /** Published and imported models (migration 002). */
  readonly models: ModelStore;
  /** Report cards of checkpoints (migration 005). */
  readonly reportCards: ReportCardStore;

  private constructor(readonly home: string, private readonly db: Db, private readonly options: CatalogueOptions) {
    this.models = new ModelStore(db, home);
    this.reportCards = new ReportCardStore(db);
  }

  /**
   * Opens (creating if needed) `<home>/catalogue.sqlite`, migrates it and reconciles it with the files.
   * Throws UserError 'catalogue … is damaged' for a corrupt file and 'CATALOGUE_TOO_NEW' for a newer one.
   */
  static async open(home: string, options: CatalogueOptions = {}): Promise<Catalogue> {
    const root = path.resolve(home);
    let db: Db;
    try {
      await preparePrivateHome(root);
      db = await openDatabase(cataloguePath(root));
    } catch (err) {
      throw await readOnlyHome(root, err);
    }
    const catalogue = new Catalogue(root, db, options);
    try {
      catalogue.lastReconcile = await catalogue.reconcile();
    } catch (err) {
      await catalogue.close();
      throw err;
    }
    return catalogue;
  }

  /**
   * Moves a damaged `catalogue.sqlite` aside (`catalogue.sqlite.corrupt-<time>`) and rebuilds a new one
   * from the files: dataset manifests, run records and checkpoint folders, sample sidecars. Metrics
   * live only in the database and are lost. Refuses (UserError 'CATALOGUE_SOUND') a catalogue that
   * opens fine unless `force`, and one written by a newer version ('CATALOGUE_TOO_NEW').
   */
  static recover(home: string, options: RecoverOptions = {}): Promise<RecoveryReport> {
    return recoverCatalogue(path.resolve(home), options.checkpointInfo, options.force ?? false);
  }

  /** Re-runs the rows/files reconciliation (see reconcile.ts). */
  async reconcile(): Promise<ReconcileReport> {
    const report = await reconcile(this.db, this.home, this.options.checkpointInfo);
    const models = await this.models.reconcile();
    report.missingModels = models.missing;
    report.restored += models.restored;
    return report;
  }

  /** PRAGMA integrity_check's lines: ['ok'] for a sound file. */
  async integrityCheck(): Promise<string[]> {
    return (await this.db.all<{ integrity_check: string }>('PRAGMA integrity_check')).map((r) => r.integrity_check);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // ----- datasets -----

  /** Records a dataset and its files (blobs already stored) in one transaction, after its manifest. */
  async createDataset(input: NewDataset): Promise<DatasetRow> {
    const name = input.name.trim();
    if (!name) throw new UserError('a dataset needs a name');
    if (!DATASET_KINDS.includes(input.kind)) throw new UserError(`dataset kind must be generative or conversion, got '${input.kind}'`);
    if (await this.db.get('SELECT 1 FROM datasets WHERE name = ?', [name])) throw nameTaken(name);
    await this.checkBlobs(input.files);
    const dataset = { id: newId('ds'), name, source: input.source, kind: input.kind, created: Date.now(), stats: input.stats ?? {} };
    await this.writeManifest(dataset, input.files);
    try {
      await this.db.transaction(async (tx) => {
        await insertDataset(tx, dataset);
        await insertDatasetFiles(tx, this.home, dataset.id, input.files);
      });
    } catch (err) {
      // Another process took the name between the check and the insert.
      throw sqliteCode(err) === 'SQLITE_CONSTRAINT' && /datasets\.name/.test((err as Error).message) ? nameTaken(name) : err;
    }
    return this.requireDataset(dataset.id);
  }

  /** Adds files to a dataset in one transaction; files it already holds (same sha256) are counted as duplicates. */
  async addDatasetFiles(datasetId: string, files: DatasetFileInput[]): Promise<{ added: number; duplicates: number }> {
    const dataset = await this.requireDataset(datasetId);
    await this.checkBlobs(files);
    const all = [...(await this.listDatasetFiles(datasetId)), ...files];
    await this.writeManifest(dataset, all);
    const added = await this.db.transaction((tx) => insertDatasetFiles(tx, this.home, datasetId, files));
    return { added, duplicates: files.length - added };
  }

  /** Every dataset, newest first, with file counts and sizes. */
  async listDatasets(): Promise<DatasetRow[]> {
    return (await this.db.all<DatasetSql>(`${DATASET_SELECT} ORDER BY d.created DESC, d.id DESC`)).map(datasetRow);
  }

  /** A dataset by id or by name. */
  async getDataset(idOrName: string): Promise<DatasetRow | null> {
    const row = await this.db.get<DatasetSql>(`${DATASET_SELECT} WHERE d.id = ? OR d.name = ?`, [idOrName, idOrName]);
    return row ? datasetRow(row) : null;
  }

  async listDatasetFiles(datasetId: string, split?: 'train' | 'eval'): Promise<DatasetFileRow[]> {
    const rows = await this.db.all<DatasetFileSql>(
      `SELECT * FROM dataset_files WHERE dataset_id = ? AND (? IS NULL OR split = ?) ORDER BY original_name, sha256`,
      [datasetId, split ?? null, split ?? null]);
    return rows.map((r) => datasetFileRow(this.home, r));
  }

  /** Renames a dataset and/or replaces its stats. */
  async updateDataset(datasetId: string, patch: { name?: string; stats?: NewDataset['stats'] }): Promise<DatasetRow> {
    const dataset = await this.requireDataset(datasetId);
    const name = patch.name?.trim() ?? dataset.name;
    if (!name) throw new UserError('a dataset needs a name');
    if (name !== dataset.name && (await this.db.get('SELECT 1 FROM datasets WHERE name = ?', [name]))) throw nameTaken(name);
    const next = { ...dataset, name, stats: patch.stats ?? dataset.stats };
    await this.writeManifest(next, await this.listDatasetFiles(datasetId));
    await this.db.run('UPDATE datasets SET name = ?, stats = ? WHERE id = ?', [name, json(next.stats, 'dataset stats'), datasetId]);
    return this.requireDataset(datasetId);
  }

  /** Deletes a dataset's rows, then its manifest and the blobs no other dataset shares. Runs keep their history. */
  async deleteDataset(datasetId: string): Promise<void> {
    await this.requireDataset(datasetId);
    const orphaned = await this.db.transaction(async (tx) => {
      const shas = await tx.all<{ sha256: string; stored_path: string }>(
        `SELECT sha256, stored_path FROM dataset_files f WHERE dataset_id = ?
         AND NOT EXISTS (SELECT 1 FROM dataset_files g WHERE g.sha256 = f.sha256 AND g.dataset_id <> f.dataset_id)`, [datasetId]);
      await tx.run('DELETE FROM datasets WHERE id = ?', [datasetId]);
      return shas;
    });
    await fs.rm(manifestPath(this.home, datasetId), { force: true });
    for (const blob of orphaned) await fs.rm(fromStored(this.home, blob.stored_path), { force: true });
  }

  // ----- runs -----

  /** Creates a queued run, its folder `<home>/runs/<id>/` and its run record. */
  async createRun(input: NewRun): Promise<RunRow> {
    if (!RUN_MODES.includes(input.mode)) throw new UserError(`run mode must be generative, conversion or classification, got '${input.mode}'`);
    if (input.datasetId) await this.requireDataset(input.datasetId);
    // Checked before the folder exists: a bad adapter leaves nothing half-written.
    const adapter = checkAdapter(input.adapter);
    const id = newId('run');
    const dir = runDir(this.home, id);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const record: RunRecord = {
      version: SIDECAR_VERSION, id, name: input.name, datasetId: input.datasetId ?? null, mode: input.mode,
      conversion: input.conversion ?? null, config: input.config, preset: input.preset ?? null, backend: input.backend ?? null,
      adapter,
      status: 'queued', created: Date.now(), started: null, ended: null, stepsDone: 0, stepsTotal: input.stepsTotal ?? null,
      bestEvalLoss: null, bestEvalBpb: null, error: null,
    };
    await writeSidecar(runRecordPath(this.home, id), record);
    await insertRunRow(this.db, record, toStored(this.home, dir));
    return this.requireRun(id);
  }

  /**
   * Updates a run. Status 'running'/'paused' records this process as the run's recorder (a later open
   * by another process marks the run interrupted once this one is gone); 'running' sets `started` the
   * first time; a final status sets `ended`. Status, backend and adapter changes are mirrored into the
   * run record, so recovery after a crash still knows which GPU the run trained on.
   */
  async updateRun(runId: string, patch: RunUpdate): Promise<RunRow> {
    const before = await this.requireRun(runId);
    if (patch.status !== undefined && !RUN_STATUSES.includes(patch.status)) throw new UserError(`unknown run status '${patch.status}'`);
    const sets: string[] = [];
    const params: Array<string | number | null> = [];
    const set = (column: string, value: string | number | null) => { sets.push(`${column} = ?`); params.push(value); };
    if (patch.name !== undefined) set('name', patch.name);
    if (patch.backend !== undefined) set('backend', patch.backend);
    if (patch.adapter !== undefined) set('adapter', adapterJson(patch.adapter));
    if (patch.stepsDone !== undefined) set('steps_done', patch.stepsDone);
    if (patch.stepsTotal !== undefined) set('steps_total', patch.stepsTotal);
    if (patch.bestEvalLoss !== undefined) set('best_eval_loss', patch.bestEvalLoss);
    if (patch.bestEvalBpb !== undefined) set('best_eval_bpb', patch.bestEvalBpb);
    if (patch.error !== undefined) set('error', patch.error);
    if (patch.status !== undefined) {
      const now = Date.now();
      set('status', patch.status);
      set('owner_pid', LIVE_STATUSES.includes(patch.status) ? process.pid : null);
      if (patch.status === 'running') { sets.push('started = COALESCE(started, ?)'); params.push(now); set('ended', null); }
      if (FINAL_STATUSES.includes(patch.status)) set('ended', now);
    }
    if (sets.length === 0) return before;
    await this.db.run(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`, [...params, runId]);
    const after = await this.requireRun(runId);
    const recorded = (patch.status !== undefined && patch.status !== before.status) || after.backend !== before.backend
      || JSON.stringify(after.adapter) !== JSON.stringify(before.adapter);
    if (recorded) await writeSidecar(runRecordPath(this.home, runId), runRecord(after));
    return after;
  }

  /** Runs, newest first, with their dataset's name; optionally only one status or one dataset. */
  async listRuns(filter: { status?: RunRow['status']; datasetId?: string } = {}): Promise<RunRow[]> {
    const rows = await this.db.all<RunSql>(
      `${RUN_SELECT} WHERE (? IS NULL OR r.status = ?) AND (? IS NULL OR r.dataset_id = ?) ORDER BY r.created DESC, r.id DESC`,
      [filter.status ?? null, filter.status ?? null, filter.datasetId ?? null, filter.datasetId ?? null]);
    return rows.map((r) => runRow(this.home, r));
  }

  async getRun(runId: string): Promise<RunRow | null> {
    const row = await this.db.get<RunSql>(`${RUN_SELECT} WHERE r.id = ?`, [runId]);
    return row ? runRow(this.home, row) : null;
  }

  /** Deletes a run's rows (metrics and checkpoints with it; its samples stay, unlinked), then its folder. */
  async deleteRun(runId: string): Promise<void> {
    const run = await this.requireRun(runId);
    const owner = await this.db.get<{ owner_pid: number | null }>('SELECT owner_pid FROM runs WHERE id = ?', [runId]);
    if (LIVE_STATUSES.includes(run.status) && owner?.owner_pid && isProcessAlive(owner.owner_pid)) {
      throw new UserError(`run '${run.name}' is ${run.status}; stop it before deleting it`);
    }
    await this.db.run('DELETE FROM runs WHERE id = ?', [runId]);
    await fs.rm(runDir(this.home, runId), { recursive: true, force: true });
  }

  // ----- metrics -----

  /**
   * Records a batch of step metrics in one transaction (all or nothing). A row for a step already
   * recorded fills in the fields it carries and keeps the others (eval results arrive after the step).
   */
  async appendMetrics(runId: string, rows: MetricInput[]): Promise<void> {
    if (rows.length === 0) return;
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += METRIC_ROWS_PER_STATEMENT) {
        const chunk = rows.slice(i, i + METRIC_ROWS_PER_STATEMENT);
        const params = chunk.flatMap((m) => {
          if (!Number.isInteger(m.step) || m.step < 0) throw new UserError(`metric step must be a whole number ≥ 0, got ${m.step}`);
          return [runId, m.step, m.time ?? now, m.trainLoss ?? null, m.evalLoss ?? null, m.evalBpb ?? null, m.lr ?? null, m.bytesPerSecond ?? null, m.validRate ?? null, m.runSeconds ?? null];
        });
        await tx.run(
          `INSERT INTO metrics (run_id, step, time, train_loss, eval_loss, eval_bpb, lr, bytes_per_second, valid_rate, run_seconds)
           VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT (run_id, step) DO UPDATE SET time = excluded.time,
             train_loss = COALESCE(excluded.train_loss, train_loss), eval_loss = COALESCE(excluded.eval_loss, eval_loss),
             eval_bpb = COALESCE(excluded.eval_bpb, eval_bpb), lr = COALESCE(excluded.lr, lr),
             bytes_per_second = COALESCE(excluded.bytes_per_second, bytes_per_second),
             valid_rate = COALESCE(excluded.valid_rate, valid_rate),
             run_seconds = COALESCE(excluded.run_seconds, run_seconds)`, params);
      }
    });
  }

  /** The latest `count` steps with a running time, in step order (the pace of a run, shared/eta.ts). */
  async recentRunSeconds(runId: string, count: number): Promise<Array<{ step: number; seconds: number }>> {
    const rows = await this.db.all<{ step: number; seconds: number }>(
      'SELECT step, run_seconds AS seconds FROM metrics WHERE run_id = ? AND run_seconds IS NOT NULL ORDER BY step DESC LIMIT ?', [runId, count]);
    return rows.reverse();
  }

  /** The running seconds a run had recorded at its latest step (0 when none): a resumed run counts on from it. */
  async lastRunSeconds(runId: string): Promise<number> {
    const row = await this.db.get<{ s: number | null }>('SELECT MAX(run_seconds) AS s FROM metrics WHERE run_id = ?', [runId]);
    return row?.s ?? 0;
  }

  /** Forgets metrics after `step` (a run resumed from a checkpoint at `step` records those steps again). */
  async truncateMetrics(runId: string, step: number): Promise<number> {
    return (await this.db.run('DELETE FROM metrics WHERE run_id = ? AND step > ?', [runId, step])).changes;
  }

  /**
   * One metric's curve for each run, side by side. Runs with more than `maxPoints` points are
   * downsampled to per-bucket minimum, maximum and last point (see series.ts).
   */
  async metricSeries(runIds: string[], metric: MetricName, maxPoints = DEFAULT_SERIES_POINTS): Promise<MetricSeries[]> {
    if (!Number.isInteger(maxPoints) || maxPoints < 3) throw new UserError(`maxPoints must be a whole number ≥ 3, got ${maxPoints}`);
    const out: MetricSeries[] = [];
    for (const runId of runIds) {
      const { points, total } = await readSeries(this.db, runId, metric, maxPoints);
      out.push({ runId, metric, points, totalPoints: total });
    }
    return out;
  }

  // ----- checkpoints -----

  /**
   * Records a checkpoint directory the caller has already written (writeDirAtomic). A run has one
   * 'best' and one 'last': recording one again replaces the row, as the directory was replaced.
   */
  async addCheckpoint(input: NewCheckpoint): Promise<CheckpointRow> {
    await this.requireRun(input.runId);
    const files = await fingerprintDir(input.path);
    if (!files || files.length === 0) throw new UserError(`checkpoint folder ${input.path} is missing or empty; write it before recording it`);
    const row = await this.db.get<CheckpointSql>(
      `INSERT INTO checkpoints (run_id, kind, step, path, eval_loss, created, files, valid_rate, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, kind) DO UPDATE SET step = excluded.step, path = excluded.path, eval_loss = excluded.eval_loss, valid_rate = excluded.valid_rate,
         created = excluded.created, files = excluded.files, missing = 0, sha256 = excluded.sha256
       RETURNING *`,
      [input.runId, input.kind, input.step, toStored(this.home, path.resolve(input.path)), input.evalLoss ?? null, Date.now(), JSON.stringify(files),
        input.validRate ?? null, input.sha256 ?? null]);
    return checkpointRow(this.home, row as CheckpointSql);
  }

  /**
   * The sha256 of a checkpoint's model.safetensors (the name an adapter gives its base), hashed on first need and
   * kept in its row; null for a folder without one (an adapter's own checkpoint) or a missing checkpoint. The
   * row's recorded files must still be what is on disk: a folder rewritten since is hashed again when re-recorded.
   */
  async checkpointSha256(cp: CheckpointRow): Promise<string | null> {
    if (cp.sha256) return cp.sha256;
    if (cp.missing) return null;
    const file = path.join(cp.path, 'model.safetensors');
    const recorded = cp.files.find((f) => f.name === 'model.safetensors');
    const st = await fs.stat(file).catch(() => null);
    if (!recorded || !st?.isFile() || st.size !== recorded.size || st.mtimeMs !== recorded.mtimeMs) return null;
    const sha = await sha256OfFile(file);
    await this.db.run('UPDATE checkpoints SET sha256 = ? WHERE id = ? AND files = ?', [sha, cp.id, JSON.stringify(cp.files)]);
    return sha;
  }

  /** Present checkpoints whose model.safetensors has this sha256 (hashed already: see checkpointSha256). */
  async checkpointsBySha256(sha256: string): Promise<CheckpointRow[]> {
    const rows = await this.db.all<CheckpointSql>('SELECT * FROM checkpoints WHERE sha256 = ? AND missing = 0 ORDER BY created', [sha256]);
    return rows.map((r) => checkpointRow(this.home, r));
  }

  /** Present checkpoints not hashed yet, newest first (where a base not found by sha256 may still hide). */
  async unhashedCheckpoints(): Promise<CheckpointRow[]> {
    const rows = await this.db.all<CheckpointSql>('SELECT * FROM checkpoints WHERE sha256 IS NULL AND missing = 0 ORDER BY created DESC');
    return rows.map((r) => checkpointRow(this.home, r));
  }

  async listCheckpoints(runId: string): Promise<CheckpointRow[]> {
    const rows = await this.db.all<CheckpointSql>('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY kind DESC', [runId]);
    return rows.map((r) => checkpointRow(this.home, r));
  }

  /** Where a run resumes: its present 'last' checkpoint, else its 'best', else null. */
  async resumeCheckpoint(runId: string): Promise<CheckpointRow | null> {
    const row = await this.db.get<CheckpointSql>(
      `SELECT * FROM checkpoints WHERE run_id = ? AND missing = 0 ORDER BY CASE kind WHEN 'last' THEN 0 ELSE 1 END LIMIT 1`, [runId]);
    return row ? checkpointRow(this.home, row) : null;
  }

  // ----- samples -----

  /** Records a generated file the caller has already written (writeFileAtomic), after its sidecar. */
  async addSample(input: NewSample): Promise<SampleRow> {
    const id = checkId(input.id ?? newId('smp'));
    const ext = checkExt(input.ext);
    if (!VALIDITIES.includes(input.validity)) throw new UserError(`unknown sample validity '${input.validity}'`);
    const st = await fs.stat(input.path).catch(() => null);
    if (!st?.isFile()) throw new UserError(`sample file ${input.path} does not exist; write it before recording it`);
    if (input.runId) await this.requireRun(input.runId);
    const sidecar: SampleSidecar = {
      version: SIDECAR_VERSION, id, runId: input.runId ?? null, checkpointStep: input.checkpointStep ?? null,
      name: input.name ?? path.basename(input.path), params: input.params, ext, path: toStored(this.home, path.resolve(input.path)),
      size: st.size, validity: input.validity, validityReason: input.validityReason ?? null, repaired: input.repaired ?? false,
      rating: checkRating(input.rating ?? 0), tags: normalizeTags(input.tags ?? []), notes: input.notes ?? '', created: Date.now(),
    };
    await writeSidecar(sampleSidecarPath(this.home, id), sidecar);
    await this.db.transaction((tx) => insertSample(tx, sidecar, input.checkpointId ?? null));
    return this.requireSample(id);
  }

  /** Records the memorisation check and guidance of a sample (migration 003 columns). */
  async setSampleChecks(sampleId: string, checks: SampleChecks): Promise<SampleRow> {
    await this.requireSample(sampleId);
    const share = checks.copiedShare ?? null;
    if (share !== null && !(share >= 0 && share <= 1)) throw new UserError(`copied share must be in [0, 1], got ${share}`);
    await this.db.run('UPDATE samples SET copied_share = ?, closest_file = ?, is_copy = ?, guidance = ? WHERE id = ?', [
      share, checks.closestFile ?? null, checks.isCopy === undefined || checks.isCopy === null ? null : checks.isCopy ? 1 : 0,
      checks.guidance ? JSON.stringify(checks.guidance) : null, sampleId,
    ]);
    return this.requireSample(sampleId);
  }

  async getSample(sampleId: string): Promise<SampleRow | null> {
    const row = await this.db.get<SampleSql>('SELECT * FROM samples WHERE id = ?', [sampleId]);
    return row ? (await this.withTags([row]))[0] : null;
  }

  /** Changes a sample's name, rating, tags (replaced as a set) or notes; the sidecar follows. */
  async updateSample(sampleId: string, patch: SampleUpdate): Promise<SampleRow> {
    await this.requireSample(sampleId);
    const tags = patch.tags === undefined ? undefined : normalizeTags(patch.tags);
    const rating = patch.rating === undefined ? null : checkRating(patch.rating);
    await this.db.transaction(async (tx) => {
      await tx.run('UPDATE samples SET name = COALESCE(?, name), rating = COALESCE(?, rating), notes = COALESCE(?, notes) WHERE id = ?',
        [patch.name ?? null, rating, patch.notes ?? null, sampleId]);
      if (tags) {
        await tx.run('DELETE FROM sample_tags WHERE sample_id = ?', [sampleId]);
        for (const tag of tags) await tx.run('INSERT INTO sample_tags (sample_id, tag) VALUES (?, ?)', [sampleId, tag]);
      }
    });
    const after = await this.requireSample(sampleId);
    await writeSidecar(sampleSidecarPath(this.home, sampleId), sampleSidecar(this.home, after));
    return after;
  }

  /** Deletes a sample's row, then its file (when it lies in the studio's samples folder) and sidecar. */
  async deleteSample(sampleId: string): Promise<void> {
    const sample = await this.requireSample(sampleId);
    await this.db.run('DELETE FROM samples WHERE id = ?', [sampleId]);
    if (!path.isAbsolute(toStored(this.home, sample.path))) await fs.rm(sample.path, { force: true });
    await fs.rm(sampleSidecarPath(this.home, sampleId), { force: true });
  }

  /** Filters, sorts and pages the sample library; `total` counts every match. */
  async searchSamples(query: SampleQuery = {}): Promise<SamplePage> {
    const where: string[] = [];
    const params: Array<string | number> = [];
    const add = (clause: string, ...values: Array<string | number>) => { where.push(clause); params.push(...values); };
    if (query.runId) add('s.run_id = ?', query.runId);
    if (query.ext) add('s.ext = ?', query.ext.toLowerCase());
    if (query.validity) add('s.validity = ?', query.validity);
    if (query.minRating !== undefined) add('s.rating >= ?', checkRating(query.minRating));
    if (query.tag) add('EXISTS (SELECT 1 FROM sample_tags t WHERE t.sample_id = s.id AND t.tag = ?)', normalizeTags([query.tag])[0] ?? '');
    if (query.text?.trim()) {
      const like = likePattern(query.text.trim());
      add(`(s.name LIKE ? ESCAPE '\\' OR s.notes LIKE ? ESCAPE '\\'
            OR EXISTS (SELECT 1 FROM sample_tags t WHERE t.sample_id = s.id AND t.tag LIKE ? ESCAPE '\\'))`, like, like, like);
    }
    if (!query.includeMissing) where.push('s.missing = 0');
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM samples s ${clause}`, params))?.n ?? 0;
    const order = `${SORT_COLUMN[query.sort ?? 'created']} ${query.descending === false ? 'ASC' : 'DESC'}, s.id`;
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? DEFAULT_PAGE)), MAX_PAGE);
    const offset = Math.max(0, Math.floor(query.offset ?? 0));
    const rows = await this.db.all<SampleSql>(`SELECT s.* FROM samples s ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`, [...params, limit, offset]);
    return { total, items: await this.withTags(rows) };
  }

  /** Every tag in use with how many samples carry it, most used first. */
  listTags(): Promise<TagCount[]> {
    return this.db.all<TagCount>('SELECT tag, COUNT(*) AS count FROM sample_tags GROUP BY tag ORDER BY count DESC, tag');
  }

  // ----- helpers -----

  private async withTags(rows: SampleSql[]): Promise<SampleRow[]> {
    if (rows.length === 0) return [];
    const tagRows = await this.db.all<{ sample_id: string; tag: string }>(
      `SELECT sample_id, tag FROM sample_tags WHERE sample_id IN (${rows.map(() => '?').join(', ')}) ORDER BY tag`, rows.map((r) => r.id));
    const tags = new Map<string, string[]>();
    for (const t of tagRows) tags.set(t.sample_id, [...(tags.get(t.sample_id) ?? []), t.tag]);
    return rows.map((r) => sampleRow(this.home, r, tags.get(r.id) ?? []));
  }

  private async checkBlobs(files: DatasetFileInput[]): Promise<void> {
    for (const f of files) {
      const st = await fs.stat(blobPath(this.home, f.sha256)).catch(() => null);
      if (!st || st.size !== f.size) throw new UserError(`dataset file '${f.originalName}' is not stored at ${blobPath(this.home, f.sha256)} with ${f.size} bytes; store the blob before recording it`);
      if (f.split !== 'train' && f.split !== 'eval') throw new UserError(`dataset file '${f.originalName}' has split '${f.split}', expected train or eval`);
    }
  }

  /** Writes the dataset's manifest: its row and its files once each (by sha256), as plain inputs. */
  private writeManifest(d: Pick<DatasetRow, 'id' | 'name' | 'source' | 'kind' | 'created' | 'stats'>, files: DatasetFileInput[]): Promise<void> {
    const unique = new Map(files.map((f) => [f.sha256, f]));
    const plain = [...unique.values()].map((f) => ({
      sha256: f.sha256, size: f.size, ext: f.ext, modality: f.modality, split: f.split, originalName: f.originalName, pairKey: f.pairKey ?? null,
    }));
    return writeSidecar(manifestPath(this.home, d.id), { version: SIDECAR_VERSION, id: d.id, name: d.name, source: d.source, kind: d.kind, created: d.created, stats: d.stats, files: plain });
  }

  private async requireDataset(idOrName: string): Promise<DatasetRow> {
    const d = await this.getDataset(idOrName);
    if (!d) throw new UserError(`no dataset '${idOrName}' in the catalogue`, 'ENOENT');
    return d;
  }

  private async requireRun(runId: string): Promise<RunRow> {
    const r = await this.getRun(runId);
    if (!r) throw new UserError(`no run '${runId}' in the catalogue`, 'ENOENT');
    return r;
  }

  private async requireSample(sampleId: string): Promise<SampleRow> {
    const s = await this.getSample(sampleId);
    if (!s) throw new UserError(`no sample '${sampleId}' in the catalogue`, 'ENOENT');
    return s;
  }
}

const SORT_COLUMN: Record<NonNullable<SampleQuery['sort']>, string> = {
  created: 's.created',
  rating: 's.rating',
  size: 's.size',
  name: 's.name COLLATE NOCASE',
};

function runRecord(r: RunRow): RunRecord {
  const { datasetName: _name, runDir: _dir, ...rest } = r;
  return { version: SIDECAR_VERSION, ...rest };
}

function sampleSidecar(home: string, s: SampleRow): SampleSidecar {
  return {
    version: SIDECAR_VERSION, id: s.id, runId: s.runId, checkpointStep: s.checkpointStep, name: s.name, params: s.params, ext: s.ext,
    path: toStored(home, s.path), size: s.size, validity: s.validity, validityReason: s.validityReason, repaired: s.repaired,
    rating: s.rating, tags: s.tags, notes: s.notes, created: s.created,
  };
}
