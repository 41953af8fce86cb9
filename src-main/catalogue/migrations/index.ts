// Numbered schema migrations (Signal's sql/migrations/ pattern): the database's PRAGMA user_version
// is the number of the last migration applied; each migration runs in its own transaction.
import { UserError } from '../../shared/errors';
import type { Db, Executor } from '../db';
import { migration001 } from './001_init';
import { migration002 } from './002_models';
import { migration003 } from './003_music';
import { migration004 } from './004_adapter';
import { migration005 } from './005_run_seconds';
import { migration006 } from './006_report_cards';
import { migration007 } from './007_lora';

/** One schema step: `up` moves a database at `version - 1` to `version`. */
export interface Migration {
  version: number;
  name: string;
  up(tx: Executor): Promise<void>;
}

/** Every migration in order; a new one is a new file appended here. */
export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Reads PRAGMA user_version (reading is enough to fail on a file that is not a database). */
export async function schemaVersion(db: Executor): Promise<number> {
  const row = await db.get<{ user_version: number }>('PRAGMA user_version');
  return row?.user_version ?? 0;
}

/**
 * Refuses a database written by a newer build before anything is written to it, so the newer build
 * still finds its file exactly as it left it.
 */
export async function assertNotNewer(db: Executor, label: string, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  const version = await schemaVersion(db);
  if (version > migrations.length) {
    throw new UserError(
      `${label} has schema version ${version}, newer than this bGPT Studio understands (${migrations.length}); update the studio to open it`,
      'CATALOGUE_TOO_NEW',
    );
  }
  return version;
}

/** Applies the pending migrations, each with its version bump in one transaction; returns the new version. */
export async function migrate(db: Db, label: string, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  let version = await assertNotNewer(db, label, migrations);
  for (const m of migrations.slice(version)) {
    if (m.version !== version + 1) throw new Error(`migration ${m.name} is numbered ${m.version}, expected ${version + 1}`);
    await db.transaction(async (tx) => {
      await m.up(tx);
      await tx.exec(`PRAGMA user_version = ${m.version}`);
    });
    version = m.version;
  }
  return version;
}
