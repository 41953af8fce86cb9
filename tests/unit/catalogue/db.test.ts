// The sqlite3 wrapper: statements, transactions, serialization and the single SQLITE_BUSY retry.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Db, sqliteCode } from '../../../src-main/catalogue/db';
import { tempHome } from './helpers';

async function openWithTable(file: string, busyMs?: number): Promise<Db> {
  const db = await Db.open(file, busyMs);
  await db.exec('PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT)');
  return db;
}

describe('Db', () => {
  it('runs, gets and lists rows with foreign keys on', async () => {
    const db = await openWithTable(path.join(tempHome(), 'a.sqlite'));
    const info = await db.run('INSERT INTO t (v) VALUES (?)', ['x']);
    expect(info).toEqual({ changes: 1, lastId: 1 });
    await db.run('INSERT INTO t (v) VALUES (?)', ['y']);
    expect(await db.get<{ v: string }>('SELECT v FROM t WHERE k = ?', [2])).toEqual({ v: 'y' });
    expect(await db.all('SELECT v FROM t ORDER BY k')).toEqual([{ v: 'x' }, { v: 'y' }]);
    expect(await db.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 });
    await db.close();
  });

  it('commits a transaction and rolls back a failing one', async () => {
    const db = await openWithTable(path.join(tempHome(), 'a.sqlite'));
    await db.transaction(async (tx) => { await tx.run("INSERT INTO t (v) VALUES ('kept')"); });
    await expect(db.transaction(async (tx) => {
      await tx.run("INSERT INTO t (v) VALUES ('lost')");
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await db.all('SELECT v FROM t')).toEqual([{ v: 'kept' }]);
    await db.close();
  });

  it('keeps statements issued during a transaction out of it', async () => {
    const db = await openWithTable(path.join(tempHome(), 'a.sqlite'));
    let outside: Promise<unknown> = Promise.resolve();
    await expect(db.transaction(async (tx) => {
      await tx.run("INSERT INTO t (v) VALUES ('in')");
      outside = db.run("INSERT INTO t (v) VALUES ('out')");
      await new Promise((r) => setTimeout(r, 20));
      throw new Error('abort');
    })).rejects.toThrow('abort');
    await outside;
    expect(await db.all('SELECT v FROM t')).toEqual([{ v: 'out' }]);
    await db.close();
  });

  it('passes failures of statements and transactions through the given error mapper', async () => {
    const db = await Db.open(path.join(tempHome(), 'a.sqlite'), undefined, (err) => new Error(`mapped: ${sqliteCode(err)}`));
    await expect(db.get('SELECT * FROM nowhere')).rejects.toThrow('mapped: SQLITE_ERROR');
    await expect(db.transaction((tx) => tx.run('INSERT INTO nowhere VALUES (1)'))).rejects.toThrow('mapped: SQLITE_ERROR');
    await db.close();
  });

  it('retries once when another connection holds the write lock, then gives up', async () => {
    const file = path.join(tempHome(), 'a.sqlite');
    const holder = await openWithTable(file);
    const writer = await openWithTable(file, 100);
    await holder.exec('BEGIN IMMEDIATE');
    // First attempt fails after 100 ms, the retry starts 100 ms later: the lock is gone by then.
    setTimeout(() => void holder.exec('COMMIT'), 150);
    await writer.run("INSERT INTO t (v) VALUES ('after retry')");
    expect(await writer.get('SELECT COUNT(*) AS n FROM t')).toEqual({ n: 1 });

    await holder.exec('BEGIN IMMEDIATE');
    const err = await writer.run("INSERT INTO t (v) VALUES ('never')").catch((e: unknown) => e);
    expect(sqliteCode(err)).toBe('SQLITE_BUSY');
    await holder.exec('COMMIT');
    await holder.close();
    await writer.close();
  });
});
