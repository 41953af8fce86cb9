// Migration 003 (music): valid-sample rate on metrics and checkpoints; memorisation and guidance on samples.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Db } from '../../../src-main/catalogue/db';
import { MIGRATIONS, migrate, schemaVersion } from '../../../src-main/catalogue/migrations/index';
import { tempHome } from './helpers';

async function columns(db: Db, table: string): Promise<string[]> {
  return (await db.all<{ name: string }>(`PRAGMA table_info(${table})`)).map((c) => c.name);
}

describe('migration 003 (music)', () => {
  it('adds the columns to a version-2 database, keeping its rows, and checks their ranges', async () => {
    const db = await Db.open(path.join(tempHome(), 'm.sqlite'));
    await migrate(db, 'test db', MIGRATIONS.slice(0, 2));
    await db.run("INSERT INTO runs (id, name, mode, config, status, created, run_dir) VALUES ('run_a', 'a', 'generative', '{}', 'done', 0, 'runs/run_a')");
    await db.run("INSERT INTO metrics (run_id, step, time, eval_loss) VALUES ('run_a', 10, 0, 2.5)");
    await db.run(`INSERT INTO samples (id, run_id, name, params, ext, path, size, validity, created)
      VALUES ('s1', 'run_a', 'old', '{}', 'abc', 'samples/s1.abc', 3, 'valid', 0)`);
    expect(MIGRATIONS[2].version).toBe(3);
    expect(await migrate(db, 'test db', MIGRATIONS.slice(0, 3))).toBe(3);
    expect(await schemaVersion(db)).toBe(3);
    expect(await columns(db, 'metrics')).toContain('valid_rate');
    expect(await columns(db, 'checkpoints')).toContain('valid_rate');
    expect(await columns(db, 'samples')).toEqual(expect.arrayContaining(['copied_share', 'closest_file', 'is_copy', 'guidance']));
    // Rows from before keep NULL ("not measured").
    expect(await db.get("SELECT valid_rate FROM metrics WHERE run_id = 'run_a'")).toEqual({ valid_rate: null });
    expect(await db.get("SELECT copied_share, is_copy, guidance FROM samples WHERE id = 's1'")).toEqual({ copied_share: null, is_copy: null, guidance: null });
    await db.run("UPDATE metrics SET valid_rate = 0.75 WHERE run_id = 'run_a'");
    await expect(db.run("UPDATE metrics SET valid_rate = 1.5 WHERE run_id = 'run_a'")).rejects.toThrow(/CHECK constraint/);
    await expect(db.run("UPDATE samples SET copied_share = -0.1 WHERE id = 's1'")).rejects.toThrow(/CHECK constraint/);
    await expect(db.run("UPDATE samples SET guidance = 'not json' WHERE id = 's1'")).rejects.toThrow(/CHECK constraint/);
    await db.run(`UPDATE samples SET copied_share = 0.9, closest_file = 'train/boys.abc', is_copy = 1, guidance = '{"causes":[],"advice":[]}' WHERE id = 's1'`);
    expect(await db.get("SELECT is_copy FROM samples WHERE id = 's1'")).toEqual({ is_copy: 1 });
    await db.close();
  });
});
