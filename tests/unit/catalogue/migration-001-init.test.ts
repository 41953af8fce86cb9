// Migration 001 (init): the catalogue's tables, columns and constraints.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Db } from '../../../src-main/catalogue/db';
import { MIGRATIONS, migrate } from '../../../src-main/catalogue/migrations/index';
import { tempHome } from './helpers';

async function columns(db: Db, table: string): Promise<string[]> {
  return (await db.all<{ name: string }>(`PRAGMA table_info(${table})`)).map((c) => c.name);
}

describe('migration 001 (init)', () => {
  it('creates the tables with their columns and constraints', async () => {
    const db = await Db.open(path.join(tempHome(), 'm.sqlite'));
    await migrate(db, 'test db', [MIGRATIONS[0]]);
    expect(await columns(db, 'datasets')).toEqual(['id', 'name', 'source', 'kind', 'created', 'stats']);
    expect(await columns(db, 'dataset_files')).toContain('pair_key');
    expect(await columns(db, 'runs')).toEqual(expect.arrayContaining(['status', 'steps_done', 'best_eval_bpb', 'run_dir', 'owner_pid']));
    expect(await columns(db, 'metrics')).toEqual(['run_id', 'step', 'time', 'train_loss', 'eval_loss', 'eval_bpb', 'lr', 'bytes_per_second']);
    expect(await columns(db, 'checkpoints')).toEqual(expect.arrayContaining(['kind', 'step', 'files', 'missing']));
    expect(await columns(db, 'samples')).toEqual(expect.arrayContaining(['validity', 'repaired', 'rating', 'notes', 'missing']));
    expect(await columns(db, 'sample_tags')).toEqual(['sample_id', 'tag']);

    await db.run("INSERT INTO runs (id, name, mode, config, status, created, run_dir) VALUES ('run_a', 'a', 'generative', '{}', 'queued', 0, 'runs/run_a')");
    await expect(db.run("UPDATE runs SET status = 'exploded'")).rejects.toThrow(/CHECK constraint/);
    await expect(db.run("INSERT INTO metrics (run_id, step, time) VALUES ('run_nope', 1, 0)")).rejects.toThrow(/FOREIGN KEY/);
    await db.run("INSERT INTO metrics (run_id, step, time) VALUES ('run_a', 1, 0)");
    await db.run("DELETE FROM runs WHERE id = 'run_a'");
    expect(await db.get('SELECT COUNT(*) AS n FROM metrics')).toEqual({ n: 0 });
    await db.close();
  });
});
