// The studio home is private to its owner (docs/security.md): the home folder the studio creates is
// 0700, its own entries (catalogue, datasets, runs, samples) are 0700 folders and 0600 files, so
// other local users can read neither the data nor the database. An existing home chosen with --home
// is not chmodded itself (it may be a shared folder the user picked), only what the studio keeps in it.
// Also turns a failure to open a read-only home into one line (docs/security.md).
import { promises as fs, constants } from 'node:fs';
import path from 'node:path';
import { UserError, fsErrorLine } from '../shared/errors';
import { sqliteCode } from './db';
import { CATALOGUE_FILE } from './paths';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** What the studio keeps in a home, made private even inside a home that already existed. */
const OWN_DIRS = ['datasets', 'runs', 'samples', 'models'];
const CREATE_DIRS = ['datasets', 'runs', 'samples'];
const OWN_FILES = [CATALOGUE_FILE, `${CATALOGUE_FILE}-wal`, `${CATALOGUE_FILE}-shm`];

const onPosix = process.platform !== 'win32';

async function chmodIfOwned(p: string, mode: number): Promise<void> {
  try {
    const st = await fs.lstat(p);
    if (st.isSymbolicLink()) return;
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return;
    if ((st.mode & 0o777) !== mode) await fs.chmod(p, mode);
  } catch {
    /* absent, or not ours to change */
  }
}

/**
 * Creates the home (0700) if needed and tightens what the studio owns in it; creates the catalogue
 * file 0600 before SQLite does (SQLite gives its -wal and -shm files the database file's mode).
 */
export async function preparePrivateHome(home: string): Promise<void> {
  let existed = true;
  try {
    await fs.access(home);
  } catch {
    existed = false;
  }
  await fs.mkdir(home, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (!onPosix) return;
  if (!existed) await chmodIfOwned(home, PRIVATE_DIR_MODE); // mkdir's mode is filtered by the umask
  for (const d of OWN_DIRS) await chmodIfOwned(path.join(home, d), PRIVATE_DIR_MODE);
  // Created now, private, so that later recursive mkdirs inside them inherit a closed parent.
  for (const d of CREATE_DIRS) await fs.mkdir(path.join(home, d), { recursive: true, mode: PRIVATE_DIR_MODE });
  const db = path.join(home, CATALOGUE_FILE);
  const h = await fs.open(db, constants.O_CREAT | constants.O_RDWR, PRIVATE_FILE_MODE).catch(async (err) => {
    // A read-only but existing catalogue still opens read-only in SQLite's eyes; let it report.
    if ((err as NodeJS.ErrnoException).code === 'EACCES' || (err as NodeJS.ErrnoException).code === 'EROFS') return null;
    throw err;
  });
  await h?.close();
  for (const f of OWN_FILES) await chmodIfOwned(path.join(home, f), PRIVATE_FILE_MODE);
}

/** A failure to open the home, as one line: "studio home … is read-only" when it cannot be written. */
export async function readOnlyHome(home: string, err: unknown): Promise<unknown> {
  const code = sqliteCode(err) ?? (err as { code?: string })?.code;
  const suspicious = code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
  if (!suspicious) return err;
  const exists = await fs.access(home).then(() => true, () => false);
  if (!exists && code !== 'SQLITE_CANTOPEN') {
    return new UserError(`studio home ${home} cannot be created: ${path.dirname(home)} is read-only; choose a writable folder with --home or BGPT_HOME`, 'HOME_READONLY');
  }
  let writable = true;
  try {
    await fs.access(home, constants.W_OK);
    const db = path.join(home, CATALOGUE_FILE);
    await fs.access(db).then(() => fs.access(db, constants.W_OK), () => {});
  } catch {
    writable = false;
  }
  if (writable && code !== 'EROFS' && code !== 'SQLITE_READONLY') return fsErrorLine(err) ? new UserError(fsErrorLine(err)!, code) : err;
  return new UserError(
    `studio home ${home} is read-only: the studio needs to write its catalogue there; choose a writable folder with --home or BGPT_HOME`,
    'HOME_READONLY');
}
