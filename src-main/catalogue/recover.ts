// Rebuilding a damaged catalogue from the files (docs/ARCHITECTURE.md): the damaged file is moved aside, then a
// fresh database is filled from the dataset manifests, the run records and checkpoint folders, and
// the sample sidecars. Metrics exist only in the database and cannot be rebuilt.
import { preparePrivateHome } from './private';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAdapter } from '../shared/adapter';
import { UserError, isUserError } from '../shared/errors';
import type { Db } from './db';
import { cataloguePath, checkpointDir, manifestsDir, modelsDir, runsDir, samplesDir, toStored, RUN_RECORD_FILE, SAMPLE_SIDECAR_SUFFIX } from './paths';
import { fingerprintDir, listOrEmpty, type CheckpointInfoReader } from './reconcile';
import { readSidecar, type DatasetManifest, type RunRecord, type SampleSidecar } from './sidecars';
import { insertDataset, insertDatasetFiles, insertRunRow, insertSample, openDatabase } from './store';
import type { CheckpointKind, OrphanFile, RecoveryReport } from './types';
import { ModelStore, readModelRecord } from './models';

const CHECKPOINT_KINDS: readonly CheckpointKind[] = ['last', 'best'];

/**
 * Moves the database and its WAL/shared-memory companions aside together: a WAL left next to a new
 * database would be replayed into it.
 */
async function moveAside(file: string): Promise<string | null> {
  try {
    await fs.access(file);
  } catch {
    return null;
  }
  const target = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await fs.rename(file, target);
  for (const suffix of ['-wal', '-shm']) {
    await fs.rename(file + suffix, target + suffix).catch(() => {});
  }
  return target;
}

async function rebuildDatasets(db: Db, home: string, report: RecoveryReport): Promise<void> {
  for (const name of await listOrEmpty(manifestsDir(home))) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    const file = path.join(manifestsDir(home), name);
    const m = await readSidecar<DatasetManifest>(file);
    if (!m) { report.skipped.push({ path: file, reason: 'unreadable dataset manifest' }); continue; }
    if (await db.get('SELECT 1 FROM datasets WHERE name = ?', [m.name])) {
      report.skipped.push({ path: file, reason: `a dataset named '${m.name}' was already rebuilt` });
      continue;
    }
    await db.transaction(async (tx) => {
      await insertDataset(tx, m);
      report.datasetFiles += await insertDatasetFiles(tx, home, m.id, m.files);
    });
    report.datasets += 1;
  }
}

async function rebuildCheckpoints(db: Db, home: string, run: RunRecord, readInfo: CheckpointInfoReader | undefined, report: RecoveryReport): Promise<void> {
  for (const kind of CHECKPOINT_KINDS) {
    const dir = checkpointDir(home, run.id, kind);
    const files = await fingerprintDir(dir);
    if (!files || files.length === 0) continue;
    // Without a reader the run record's step count is the best estimate of the checkpoint's step.
    const info = readInfo ? await readInfo(dir) : null;
    await db.run('INSERT INTO checkpoints (run_id, kind, step, path, eval_loss, created, files) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [run.id, kind, info?.step ?? run.stepsDone, toStored(home, dir), info?.evalLoss ?? null, Date.now(), JSON.stringify(files)]);
    report.checkpoints += 1;
  }
}

async function rebuildRuns(db: Db, home: string, readInfo: CheckpointInfoReader | undefined, report: RecoveryReport): Promise<void> {
  for (const id of await listOrEmpty(runsDir(home))) {
    const record = await readSidecar<RunRecord>(path.join(runsDir(home), id, RUN_RECORD_FILE));
    if (!record || record.id !== id) { report.skipped.push({ path: path.join(runsDir(home), id), reason: 'run folder without a readable run.json' }); continue; }
    const dataset = record.datasetId ? await db.get('SELECT 1 FROM datasets WHERE id = ?', [record.datasetId]) : undefined;
    // A run recorded as running or paused has no recorder any more.
    const status = record.status === 'running' || record.status === 'paused' ? 'interrupted' : record.status;
    // An adapter the record cannot vouch for (hand-edited, truncated) is "not recorded", not a reason to lose the run.
    const adapter = parseAdapter(record.adapter);
    await insertRunRow(db, { ...record, status, adapter, datasetId: dataset ? record.datasetId : null }, toStored(home, path.join(runsDir(home), id)));
    report.runs += 1;
    await rebuildCheckpoints(db, home, record, readInfo, report);
  }
}

async function rebuildSamples(db: Db, home: string, report: RecoveryReport): Promise<void> {
  for (const name of await listOrEmpty(samplesDir(home))) {
    if (!name.endsWith(SAMPLE_SIDECAR_SUFFIX) || name.startsWith('.')) continue;
    const file = path.join(samplesDir(home), name);
    const s = await readSidecar<SampleSidecar>(file);
    if (!s) { report.skipped.push({ path: file, reason: 'unreadable sample sidecar' }); continue; }
    const run = s.runId ? await db.get('SELECT 1 FROM runs WHERE id = ?', [s.runId]) : undefined;
    await db.transaction((tx) => insertSample(tx, { ...s, runId: run ? s.runId : null }, null));
    report.samples += 1;
  }
}

/** Models from their `models/<id>/model.json` records (curves included). */
async function rebuildModels(db: Db, home: string, report: RecoveryReport): Promise<void> {
  const store = new ModelStore(db, home);
  for (const id of await listOrEmpty(modelsDir(home))) {
    if (id.startsWith('.')) continue;
    const dir = path.join(modelsDir(home), id);
    const r = await readModelRecord(dir);
    if (!r || r.id !== id) { report.skipped.push({ path: dir, reason: 'model folder without a readable model.json' }); continue; }
    try {
      const { version: _v, file, metrics, created, ...m } = r;
      await store.insert({ ...m, path: path.join(dir, file) }, metrics, created);
      report.models = (report.models ?? 0) + 1;
    } catch (err) {
      report.skipped.push({ path: dir, reason: (err as Error).message });
    }
  }
}

/**
 * Refuses to rebuild a catalogue that opens fine (the rebuild would lose its metrics) unless forced,
 * and never touches one written by a newer version.
 */
async function assertDamaged(file: string): Promise<void> {
  try {
    await (await openDatabase(file)).close();
  } catch (err) {
    if (isUserError(err) && err.code === 'CATALOGUE_DAMAGED') return;
    throw err;
  }
  throw new UserError(`catalogue ${file} is not damaged; rebuilding it would lose its metrics (use --force to rebuild anyway)`, 'CATALOGUE_SOUND');
}

/** See the module comment; rows whose files are gone are flagged by the reconcile of the next open. */
export async function recoverCatalogue(home: string, readInfo?: CheckpointInfoReader, force = false): Promise<RecoveryReport> {
  await fs.mkdir(home, { recursive: true });
  const file = cataloguePath(home);
  if (!force && (await fs.stat(file).catch(() => null))) await assertDamaged(file);
  const skipped: OrphanFile[] = [];
  const report: RecoveryReport = { movedTo: await moveAside(file), datasets: 0, datasetFiles: 0, runs: 0, checkpoints: 0, samples: 0, skipped };
  await preparePrivateHome(home); // the new catalogue is created 0600 like any other
  const db = await openDatabase(file);
  try {
    await rebuildDatasets(db, home, report);
    await rebuildRuns(db, home, readInfo, report);
    await rebuildSamples(db, home, report);
    await rebuildModels(db, home, report);
  } finally {
    await db.close();
  }
  return report;
}
