// The catalogue's models table (migration 002): published and imported PyTorch checkpoints kept under
// `<home>/models/<id>/`, with the curves of a reference trainer log imported beside them; and LoRA adapters
// (migration 007), kept as an adapter folder in `<home>/models/<id>/`, tied to their base by its sha256.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Db } from './db';
import { sqliteCode } from './db';
import { json } from './store';
import { fromStored, modelDir, toStored } from './paths';
import type { CheckpointKind } from '../shared/vocabulary';
import { UserError } from '../shared/errors';
import { writeFileAtomic } from '../node/atomic';
import { readSidecar, SIDECAR_VERSION } from './sidecars';
import type { LoraLevel, LoraTarget } from '../checkpoint/adapter';

/** The model's record beside its file, `models/<id>/model.json`: what `catalogue recover` rebuilds from. */
export const MODEL_RECORD_FILE = 'model.json';

export interface ModelRecord extends Omit<ModelRow, 'path' | 'status'> {
  version: number;
  /** The model file's name inside its folder. */
  file: string;
  metrics: ModelMetricRow[];
}

/** A model's kind: the checkpoint kinds (shared/vocabulary.ts). */
export type ModelKind = CheckpointKind;
export const MODEL_KINDS: readonly ModelKind[] = ['generative', 'conversion', 'classifier'];

/** What the file told us about its training (the reference trainers save these beside the weights). */
export interface ModelMeta {
  epoch?: number;
  bestEpoch?: number;
  minEvalLoss?: number;
  hasOptimizer?: boolean;
  /** File name as imported, for display ('weights-text.pth'). */
  fileName?: string;
}

/** What an adapter model is (migration 007's `adapter` column): its LoRA settings and the base it names. */
export interface AdapterMeta {
  rank: number;
  alpha: number;
  dropout: number;
  targets: LoraTarget[];
  levels: LoraLevel[];
  trainLayerNorms: boolean;
  trainBiases: boolean;
  /** The base's name as the adapter recorded it (shown, and named when the base is missing). */
  baseName: string;
}

export interface NewModel {
  id: string;
  name: string;
  source: string;
  kind: ModelKind;
  /** snake_case config.json form (docs/checkpoint-format.md). */
  config: Record<string, number>;
  parameters: number;
  size: number;
  sha256: string;
  labels: string[] | null;
  meta: ModelMeta;
  /**
   * Absolute path of the model file (under the home): the .pth, or an adapter's adapter_model.safetensors (its
   * folder is the checkpoint the engine loads: see checkpointPathOf). `size` and `sha256` are this file's.
   */
  path: string;
  /** An adapter model: the sha256 of its base's weights file (a model's file, or a run checkpoint's model.safetensors). */
  baseSha256?: string | null;
  adapter?: AdapterMeta | null;
}

export interface ModelRow extends NewModel {
  created: number;
  status: 'ok' | 'missing';
  baseSha256: string | null;
  adapter: AdapterMeta | null;
}

/** What the engine loads for a model: its .pth, or an adapter model's folder. */
export function checkpointPathOf(m: Pick<ModelRow, 'path' | 'adapter'>): string {
  return m.adapter ? path.dirname(m.path) : m.path;
}

export interface ModelMetricRow {
  epoch: number;
  trainLoss: number | null;
  evalLoss: number | null;
}

interface ModelSql {
  id: string; name: string; source: string; kind: ModelKind; config: string; parameters: number; size: number; sha256: string;
  labels: string | null; meta: string; created: number; path: string; status: 'ok' | 'missing';
  base_sha256?: string | null; adapter?: string | null;
}

function modelRow(home: string, r: ModelSql): ModelRow {
  return {
    id: r.id, name: r.name, source: r.source, kind: r.kind, config: JSON.parse(r.config) as Record<string, number>,
    parameters: r.parameters, size: r.size, sha256: r.sha256, labels: r.labels === null ? null : (JSON.parse(r.labels) as string[]),
    meta: JSON.parse(r.meta) as ModelMeta, created: r.created, path: fromStored(home, r.path), status: r.status,
    baseSha256: r.base_sha256 ?? null, adapter: r.adapter ? (JSON.parse(r.adapter) as AdapterMeta) : null,
  };
}

export function modelNameTaken(name: string): UserError {
  return new UserError(`a model named '${name}' already exists (choose another with --name)`, 'NAME_TAKEN');
}

/** Checks a model name: what a user would type as `--checkpoint NAME` (no path separators). */
export function checkModelName(raw: string): string {
  const name = raw.trim();
  if (!name) throw new UserError('a model needs a name');
  if (name.length > 100) throw new UserError(`model name '${name.slice(0, 20)}…' is longer than 100 characters`);
  if (/[/\\\u0000-\u001f]/.test(name)) throw new UserError(`model name '${name}' may not contain slashes or control characters`);
  return name;
}

export class ModelStore {
  constructor(private readonly db: Db, private readonly home: string) {}

  /** Records a model whose file is already in place (the caller wrote it first), record file first. */
  async insert(m: NewModel, metrics: ModelMetricRow[] = [], created = Date.now()): Promise<ModelRow> {
    const name = checkModelName(m.name);
    if (!MODEL_KINDS.includes(m.kind)) throw new UserError(`model kind must be generative, conversion or classifier, got '${m.kind}'`);
    if (await this.nameTaken(name)) throw modelNameTaken(name);
    if (Boolean(m.adapter) !== Boolean(m.baseSha256)) throw new UserError('an adapter model needs both its settings and its base sha256', 'BAD_REQUEST');
    await writeRecord(this.home, { ...m, name, created, status: 'ok', baseSha256: m.baseSha256 ?? null, adapter: m.adapter ?? null }, metrics);
    try {
      await this.db.transaction(async (tx) => {
        await tx.run(
          `INSERT INTO models (id, name, source, kind, config, parameters, size, sha256, labels, meta, created, path, base_sha256, adapter)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [m.id, name, m.source, m.kind, json(m.config, 'model config'), m.parameters, m.size, m.sha256,
            m.labels ? json(m.labels, 'model labels') : null, json(m.meta, 'model meta'), created, toStored(this.home, m.path),
            m.baseSha256 ?? null, m.adapter ? json(m.adapter, 'model adapter') : null]);
        for (const p of metrics) {
          await tx.run('INSERT OR REPLACE INTO model_metrics (model_id, epoch, train_loss, eval_loss) VALUES (?, ?, ?, ?)',
            [m.id, p.epoch, p.trainLoss, p.evalLoss]);
        }
      });
    } catch (err) {
      if (sqliteCode(err) === 'SQLITE_CONSTRAINT' && /models\.name/.test((err as Error).message)) throw modelNameTaken(name);
      throw err;
    }
    return (await this.get(m.id))!;
  }

  /** Every model, newest first. */
  async list(): Promise<ModelRow[]> {
    return (await this.db.all<ModelSql>('SELECT * FROM models ORDER BY created DESC, id DESC')).map((r) => modelRow(this.home, r));
  }

  /** A model by id or by name. */
  async get(idOrName: string): Promise<ModelRow | null> {
    const r = await this.db.get<ModelSql>('SELECT * FROM models WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1', [idOrName, idOrName, idOrName]);
    return r ? modelRow(this.home, r) : null;
  }

  /** Full models (not adapters) whose file has this sha256, present ones first: the bases an adapter can name. */
  async bySha256(sha256: string): Promise<ModelRow[]> {
    const rows = await this.db.all<ModelSql>(
      "SELECT * FROM models WHERE sha256 = ? AND adapter IS NULL ORDER BY status = 'ok' DESC, created", [sha256]);
    return rows.map((r) => modelRow(this.home, r));
  }

  async nameTaken(name: string): Promise<boolean> {
    return (await this.db.get('SELECT 1 FROM models WHERE name = ?', [name.trim()])) !== undefined;
  }

  async rename(id: string, raw: string): Promise<ModelRow> {
    const name = checkModelName(raw);
    const before = await this.get(id);
    if (!before || before.id !== id) throw new UserError(`no model '${id}'`, 'NOT_FOUND');
    if (name !== before.name && (await this.nameTaken(name))) throw modelNameTaken(name);
    await this.db.run('UPDATE models SET name = ? WHERE id = ?', [name, id]);
    const after = (await this.get(id))!;
    await writeRecord(this.home, after, await this.metrics(id)).catch(() => {});
    return after;
  }

  /** Deletes the row (metrics with it), then the model's folder. */
  async delete(id: string): Promise<void> {
    const row = await this.get(id);
    if (!row || row.id !== id) throw new UserError(`no model '${id}'`, 'NOT_FOUND');
    await this.db.run('DELETE FROM models WHERE id = ?', [id]);
    await fs.rm(modelDir(this.home, id), { recursive: true, force: true });
  }

  async metrics(id: string): Promise<ModelMetricRow[]> {
    const rows = await this.db.all<{ epoch: number; train_loss: number | null; eval_loss: number | null }>(
      'SELECT epoch, train_loss, eval_loss FROM model_metrics WHERE model_id = ? ORDER BY epoch', [id]);
    return rows.map((r) => ({ epoch: r.epoch, trainLoss: r.train_loss, evalLoss: r.eval_loss }));
  }

  /**
   * Flags models whose file vanished or changed size as missing (and unflags those that came back);
   * returns the ids newly missing and how many came back. Called from the catalogue's reconcile.
   */
  async reconcile(): Promise<{ missing: string[]; restored: number }> {
    const rows = await this.db.all<{ id: string; path: string; size: number; status: string }>('SELECT id, path, size, status FROM models');
    const missing: string[] = [];
    let restored = 0;
    for (const r of rows) {
      const st = await fs.stat(fromStored(this.home, r.path)).catch(() => null);
      const status = st && st.isFile() && st.size === r.size ? 'ok' : 'missing';
      if (status === r.status) continue;
      await this.db.run('UPDATE models SET status = ? WHERE id = ?', [status, r.id]);
      if (status === 'missing') missing.push(r.id);
      else restored += 1;
    }
    return { missing, restored };
  }
}

async function writeRecord(home: string, m: ModelRow, metrics: ModelMetricRow[]): Promise<void> {
  const { path: file, status: _status, ...rest } = m;
  const record: ModelRecord = { version: SIDECAR_VERSION, ...rest, file: file.split(/[\\/]/).pop()!, metrics };
  await writeFileAtomic(`${modelDir(home, m.id)}/${MODEL_RECORD_FILE}`, JSON.stringify(record, null, 1) + '\n');
}

/** Reads a model folder's record (null when absent or unreadable). */
export function readModelRecord(dir: string): Promise<ModelRecord | null> {
  return readSidecar<ModelRecord>(`${dir}/${MODEL_RECORD_FILE}`);
}
