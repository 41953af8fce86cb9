// The migration runner: user_version, one transaction per step, refusing files written by a newer version.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Db } from '../../../src-main/catalogue/db';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion, type Migration } from '../../../src-main/catalogue/migrations/index';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { cataloguePath } from '../../../src-main/catalogue/paths';
import { UserError } from '../../../src-main/shared/errors';
import { tempHome } from './helpers';

async function columns(db: Db, table: string): Promise<string[]> {
  return (await db.all<{ name: string }>(`PRAGMA table_info(${table})`)).map((c) => c.name);
}

describe('migration runner', () => {
  it('applies pending steps in order and records the version', async () => {
    const db = await Db.open(path.join(tempHome(), 'm.sqlite'));
    const extra: Migration = { version: 2, name: 'extra', up: (tx) => tx.exec('CREATE TABLE extra (x INTEGER)') };
    expect(await migrate(db, 'test db', [MIGRATIONS[0]])).toBe(1);
    expect(await migrate(db, 'test db', [MIGRATIONS[0], extra])).toBe(2);
    expect(await schemaVersion(db)).toBe(2);
    expect(await columns(db, 'extra')).toEqual(['x']);
    await db.close();
  });

  it('rolls a failing migration back whole, version included', async () => {
    const db = await Db.open(path.join(tempHome(), 'm.sqlite'));
    const broken: Migration = { version: 2, name: 'broken', up: (tx) => tx.exec('CREATE TABLE half (x); SELECT * FROM no_such_table') };
    await migrate(db, 'test db', [MIGRATIONS[0]]);
    await expect(migrate(db, 'test db', [MIGRATIONS[0], broken])).rejects.toThrow(/no_such_table/);
    expect(await schemaVersion(db)).toBe(1);
    expect(await db.get("SELECT name FROM sqlite_master WHERE name = 'half'")).toBeUndefined();
    await db.close();
  });

  it('refuses a catalogue written by a newer version and leaves the file untouched', async () => {
    const home = tempHome();
    const file = cataloguePath(home);
    const db = await Db.open(file);
    await db.exec(`CREATE TABLE future (x INTEGER); PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    await db.close();
    const before = readFileSync(file);
    const err = await Catalogue.open(home).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('CATALOGUE_TOO_NEW');
    expect((err as Error).message).toContain(`schema version ${SCHEMA_VERSION + 5}, newer than this bGPT Studio understands (${SCHEMA_VERSION})`);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});
