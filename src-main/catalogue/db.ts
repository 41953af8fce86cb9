// A small promisified wrapper over the `sqlite3` package: run/get/all/exec, serialized transactions
// (BEGIN IMMEDIATE … COMMIT / ROLLBACK) and one retry on SQLITE_BUSY, after VS Code's
// base/parts/storage/node/storage.ts and Signal's sql/Server.ts.
import sqlite3 from 'sqlite3';

/** Values SQLite binds and returns for our schema (TEXT, INTEGER, REAL, BLOB, NULL). */
export type SqlValue = string | number | bigint | Uint8Array | null;
export type SqlParams = readonly SqlValue[] | Record<string, SqlValue>;

/** What `run` reports: rows changed and the last inserted rowid. */
export interface RunInfo {
  changes: number;
  lastId: number;
}

/** The statements a transaction body may issue; they bypass the queue the transaction holds. */
export interface Executor {
  run(sql: string, params?: SqlParams): Promise<RunInfo>;
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>;
  all<T>(sql: string, params?: SqlParams): Promise<T[]>;
  exec(sql: string): Promise<void>;
}

/** How long SQLite itself waits on a lock held by another connection before answering SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;
/** Pause before the single retry after SQLITE_BUSY: long enough for a writer to commit a batch. */
const BUSY_RETRY_DELAY_MS = 100;

/** The sqlite3 error code of a thrown value ('SQLITE_BUSY', 'SQLITE_CORRUPT', …), if any. */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isBusy(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

async function retryOnceIfBusy<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (!isBusy(err)) throw err;
    await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_DELAY_MS));
    return op();
  }
}

/**
 * One connection to one database file. Statements from outside a transaction wait until the current
 * transaction ends, so a transaction never sees foreign statements interleaved into it.
 */
export class Db implements Executor {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly direct: Executor;

  private constructor(private readonly raw: sqlite3.Database, readonly file: string, private readonly mapError: (err: unknown) => unknown) {
    this.direct = {
      run: (sql, params) => retryOnceIfBusy(() => this.rawRun(sql, params)),
      get: <T>(sql: string, params?: SqlParams) => retryOnceIfBusy(() => this.rawGet<T>(sql, params)),
      all: <T>(sql: string, params?: SqlParams) => retryOnceIfBusy(() => this.rawAll<T>(sql, params)),
      exec: (sql) => retryOnceIfBusy(() => this.rawExec(sql)),
    };
  }

  /**
   * Opens (creating if absent) a database file with foreign keys on and a busy timeout. It does not
   * write to the file: journal mode and schema are the caller's decision (see catalogue.ts).
   * `mapError` turns failures of later statements into the caller's errors (e.g. a damaged file).
   */
  static open(file: string, busyTimeoutMs = BUSY_TIMEOUT_MS, mapError: (err: unknown) => unknown = (err) => err): Promise<Db> {
    return new Promise((resolve, reject) => {
      const raw = new sqlite3.Database(file, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, (err) => {
        if (err) return reject(err);
        raw.configure('busyTimeout', busyTimeoutMs);
        const db = new Db(raw, file, mapError);
        db.direct.exec('PRAGMA foreign_keys = ON').then(() => resolve(db), reject);
      });
    });
  }

  run(sql: string, params?: SqlParams): Promise<RunInfo> {
    return this.enqueue(() => this.direct.run(sql, params));
  }

  get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.enqueue(() => this.direct.get<T>(sql, params));
  }

  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.enqueue(() => this.direct.all<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.enqueue(() => this.direct.exec(sql));
  }

  /**
   * Runs `fn` inside BEGIN IMMEDIATE … COMMIT (the write lock is taken up front, so the body never
   * fails half-way on a lock upgrade); any throw rolls back and is re-thrown.
   */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      await this.direct.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        await this.direct.exec('COMMIT');
        return result;
      } catch (err) {
        await this.rawExec('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  /** Waits for queued work, then closes the connection (the last close checkpoints the WAL). */
  close(): Promise<void> {
    return this.enqueue(() => new Promise<void>((resolve, reject) => this.raw.close((err) => (err ? reject(err) : resolve()))));
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const result = this.queue.then(op).catch((err: unknown) => { throw this.mapError(err); });
    this.queue = result.catch(() => {});
    return result;
  }

  private rawRun(sql: string, params?: SqlParams): Promise<RunInfo> {
    return new Promise((resolve, reject) => {
      this.raw.run(sql, params ?? [], function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve({ changes: this.changes, lastId: this.lastID });
      });
    });
  }

  private rawGet<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.raw.get(sql, params ?? [], (err: Error | null, row: T | undefined) => (err ? reject(err) : resolve(row)));
    });
  }

  private rawAll<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.raw.all(sql, params ?? [], (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
    });
  }

  private rawExec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.raw.exec(sql, (err) => (err ? reject(err) : resolve())));
  }
}
