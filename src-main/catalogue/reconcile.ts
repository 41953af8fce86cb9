// Makes rows and files agree when a catalogue opens (docs/ARCHITECTURE.md: the files are the truth, the catalogue
// the index): runs whose recording process died become 'interrupted'; rows whose files vanished are
// flagged missing (and unflagged when they return); checkpoint directories caught mid-swap by a crash
// are put back; files no row refers to are reported.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Db } from './db';
import { blobsDir, fromStored, manifestsDir, modelsDir, runsDir, samplesDir, SAMPLE_SIDECAR_SUFFIX } from './paths';
import type { CheckpointSql } from './rows';
import type { CheckpointFile, OrphanFile, ReconcileReport } from './types';

/** Reads the step and eval loss a checkpoint directory holds (the engine knows its own resume files). */
export type CheckpointInfoReader = (dir: string) => Promise<{ step: number; evalLoss: number | null } | null>;

/** Prefix src-main/node/atomic.ts gives temporaries (and the previous copy during a directory swap). */
const TEMP_PREFIX = '.tmp-';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function statOrNull(file: string) {
  try {
    return await fs.stat(file);
  } catch {
    return null;
  }
}

/** A folder's entries in name order; none when it does not exist. */
export async function listOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** The plain files of a checkpoint directory with sizes and mtimes, sorted by name; null if absent. */
export async function fingerprintDir(dir: string): Promise<CheckpointFile[] | null> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).sort();
  } catch {
    return null;
  }
  const files: CheckpointFile[] = [];
  for (const name of names) {
    const st = await fs.stat(path.join(dir, name));
    if (st.isFile()) files.push({ name, size: st.size, mtimeMs: st.mtimeMs });
  }
  return files;
}

function sameFiles(a: CheckpointFile[], b: CheckpointFile[], withTimes: boolean): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i].name && f.size === b[i].size && (!withTimes || f.mtimeMs === b[i].mtimeMs));
}

async function interruptDeadRuns(db: Db): Promise<string[]> {
  const live = await db.all<{ id: string; owner_pid: number | null }>(`SELECT id, owner_pid FROM runs WHERE status IN ('running', 'paused')`);
  const dead = live.filter((r) => r.owner_pid === null || !isProcessAlive(r.owner_pid)).map((r) => r.id);
  for (const id of dead) {
    await db.run(`UPDATE runs SET status = 'interrupted', owner_pid = NULL, ended = ? WHERE id = ?`, [Date.now(), id]);
  }
  return dead;
}

/**
 * writeDirAtomic renames the old directory aside before renaming the new one in; a crash between the
 * two renames leaves no directory at the target. The sibling whose files match the row exactly (names,
 * sizes, mtimes survive a rename) is the copy the row describes: rename it back.
 */
async function restoreSwappedDir(dir: string, recorded: CheckpointFile[]): Promise<boolean> {
  const parent = path.dirname(dir);
  const prefix = `${TEMP_PREFIX}${path.basename(dir)}-`;
  for (const name of await listOrEmpty(parent)) {
    if (!name.startsWith(prefix)) continue;
    const files = await fingerprintDir(path.join(parent, name));
    if (files && sameFiles(files, recorded, true)) {
      await fs.rename(path.join(parent, name), dir);
      return true;
    }
  }
  return false;
}

type CheckpointOutcome = 'ok' | 'missing' | 'repaired' | 'refreshed';

async function reconcileCheckpoint(db: Db, home: string, row: CheckpointSql, readInfo?: CheckpointInfoReader): Promise<CheckpointOutcome> {
  const dir = fromStored(home, row.path);
  const recorded = JSON.parse(row.files) as CheckpointFile[];
  let files = await fingerprintDir(dir);
  let outcome: CheckpointOutcome = 'ok';
  if (!files && (await restoreSwappedDir(dir, recorded))) {
    files = await fingerprintDir(dir);
    outcome = 'repaired';
  }
  if (!files || files.length === 0) {
    if (row.missing === 0) await db.run('UPDATE checkpoints SET missing = 1 WHERE id = ?', [row.id]);
    return 'missing';
  }
  if (!sameFiles(files, recorded, true)) {
    // Rewritten after its row (a crash fell between the directory write and the row update): the
    // directory is complete (atomic swap), so the row follows it.
    const info = readInfo ? await readInfo(dir) : null;
    await db.run('UPDATE checkpoints SET files = ?, step = COALESCE(?, step), eval_loss = CASE WHEN ? THEN ? ELSE eval_loss END WHERE id = ?',
      [JSON.stringify(files), info?.step ?? null, info ? 1 : 0, info?.evalLoss ?? null, row.id]);
    outcome = outcome === 'ok' ? 'refreshed' : outcome;
  }
  if (row.missing === 1) await db.run('UPDATE checkpoints SET missing = 0 WHERE id = ?', [row.id]);
  return outcome;
}

/** Removes temporaries in the folders of runs nobody is writing (a dead writer's leftovers). */
async function sweepRunTemporaries(db: Db, home: string): Promise<void> {
  const idle = await db.all<{ id: string; run_dir: string }>(`SELECT id, run_dir FROM runs WHERE status NOT IN ('running', 'paused')`);
  for (const run of idle) {
    const dir = fromStored(home, run.run_dir);
    for (const name of await listOrEmpty(dir)) {
      if (name.startsWith(TEMP_PREFIX)) await fs.rm(path.join(dir, name), { recursive: true, force: true });
    }
  }
}

/** Flags (or unflags) rows by whether their file exists with the recorded size. */
async function reconcileFlag(
  db: Db, home: string, rows: Array<{ key: string[]; path: string; size: number; missing: number }>, update: string,
): Promise<{ nowMissing: string[][]; restored: number }> {
  const nowMissing: string[][] = [];
  let restored = 0;
  for (const row of rows) {
    const st = await statOrNull(fromStored(home, row.path));
    const missing = !st || !st.isFile() || st.size !== row.size ? 1 : 0;
    if (missing === row.missing) continue;
    await db.run(update, [missing, ...row.key]);
    if (missing) nowMissing.push(row.key);
    else restored += 1;
  }
  return { nowMissing, restored };
}

async function findOrphans(db: Db, home: string): Promise<OrphanFile[]> {
  const orphans: OrphanFile[] = [];
  const temp = (p: string) => orphans.push({ path: p, reason: 'temporary left by an interrupted write' });
  const blobs = new Set((await db.all<{ sha256: string }>('SELECT DISTINCT sha256 FROM dataset_files')).map((r) => r.sha256));
  for (const shard of await listOrEmpty(blobsDir(home))) {
    for (const name of await listOrEmpty(path.join(blobsDir(home), shard))) {
      const p = path.join(blobsDir(home), shard, name);
      if (name.startsWith(TEMP_PREFIX)) temp(p);
      else if (!blobs.has(name)) orphans.push({ path: p, reason: 'blob no dataset refers to' });
    }
  }
  const datasets = new Set((await db.all<{ id: string }>('SELECT id FROM datasets')).map((r) => r.id));
  for (const name of await listOrEmpty(manifestsDir(home))) {
    const p = path.join(manifestsDir(home), name);
    if (name.startsWith(TEMP_PREFIX)) temp(p);
    else if (!datasets.has(name.replace(/\.json$/, ''))) orphans.push({ path: p, reason: 'manifest of a dataset not in the catalogue' });
  }
  const runs = new Set((await db.all<{ id: string }>('SELECT id FROM runs')).map((r) => r.id));
  for (const name of await listOrEmpty(runsDir(home))) {
    if (!runs.has(name)) orphans.push({ path: path.join(runsDir(home), name), reason: 'run folder with no run row' });
  }
  const models = new Set((await db.all<{ id: string }>('SELECT id FROM models')).map((r) => r.id));
  for (const name of await listOrEmpty(modelsDir(home))) {
    const p = path.join(modelsDir(home), name);
    if (name.startsWith(TEMP_PREFIX)) temp(p);
    else if (!models.has(name)) orphans.push({ path: p, reason: 'model folder with no model row' });
  }
  const samples = new Set((await db.all<{ id: string }>('SELECT id FROM samples')).map((r) => r.id));
  for (const name of await listOrEmpty(samplesDir(home))) {
    const p = path.join(samplesDir(home), name);
    const id = name.endsWith(SAMPLE_SIDECAR_SUFFIX) ? name.slice(0, -SAMPLE_SIDECAR_SUFFIX.length) : name.replace(/\.[^.]*$/, '');
    if (name.startsWith(TEMP_PREFIX)) temp(p);
    else if (!samples.has(id)) orphans.push({ path: p, reason: 'sample file with no sample row' });
  }
  return orphans;
}

/** Brings rows and files into agreement; see the module comment. */
export async function reconcile(db: Db, home: string, readInfo?: CheckpointInfoReader): Promise<ReconcileReport> {
  const interruptedRuns = await interruptDeadRuns(db);
  const report: ReconcileReport = {
    interruptedRuns, missingCheckpoints: [], missingSamples: [], missingDatasetFiles: [], restored: 0, repairedCheckpoints: [], orphans: [],
  };
  // A live run's recorder may be mid-swap right now: leave its checkpoints alone.
  const settled = await db.all<CheckpointSql>(
    `SELECT c.* FROM checkpoints c JOIN runs r ON r.id = c.run_id WHERE r.status NOT IN ('running', 'paused')`);
  for (const row of settled) {
    const wasMissing = row.missing === 1;
    const outcome = await reconcileCheckpoint(db, home, row, readInfo);
    if (outcome === 'missing' && !wasMissing) report.missingCheckpoints.push(row.id);
    if (outcome === 'repaired') report.repairedCheckpoints.push(row.id);
    if (outcome !== 'missing' && wasMissing) report.restored += 1;
  }
  await sweepRunTemporaries(db, home);
  const samples = await db.all<{ id: string; path: string; size: number; missing: number }>('SELECT id, path, size, missing FROM samples');
  const s = await reconcileFlag(db, home, samples.map((r) => ({ ...r, key: [r.id] })), 'UPDATE samples SET missing = ? WHERE id = ?');
  report.missingSamples = s.nowMissing.map((k) => k[0]);
  const files = await db.all<{ dataset_id: string; sha256: string; stored_path: string; size: number; missing: number }>(
    'SELECT dataset_id, sha256, stored_path, size, missing FROM dataset_files');
  const f = await reconcileFlag(db, home, files.map((r) => ({ key: [r.dataset_id, r.sha256], path: r.stored_path, size: r.size, missing: r.missing })),
    'UPDATE dataset_files SET missing = ? WHERE dataset_id = ? AND sha256 = ?');
  report.missingDatasetFiles = f.nowMissing.map(([datasetId, sha256]) => ({ datasetId, sha256 }));
  report.restored += s.restored + f.restored;
  report.orphans = await findOrphans(db, home);
  return report;
}
