// Downloaded tune collections → the files an import takes (docs/music.md, "Tune collections"): IrishMAN's
// JSON records, a tune book, or a zip of tune books. Each becomes ImportEntry records (datasets/import.ts
// cuts books into tunes); a collection's own validation split lands in eval/. Hostile input: a zip's
// names never become paths on disk (entries stay in memory, names are checked), and sizes are capped.
import { promises as fs } from 'node:fs';
import yauzl from 'yauzl';
import { UserError } from '../shared/errors';
import type { ImportEntry } from './import';
import { DEFAULT_MAX_FILE_BYTES } from './import';

/** Bytes a zip may unpack to in all: a tune is a few hundred bytes; this holds millions. */
export const MAX_ZIP_BYTES = 1024 ** 3;
/** Entries a zip may hold. */
const MAX_ZIP_ENTRIES = 200_000;
/** Records an IrishMAN file may hold (it has 214,122 in its train file). */
const MAX_RECORDS = 1_000_000;
/** Longest tune text taken from a record. */
const MAX_TUNE_CHARS = 64 * 1024;

const UNSAFE_NAME = /[\u0000-\u001f\u007f<>:"\\|?*]/;

/**
 * IrishMAN's records (a JSON array of {"abc notation": "...", "control code": "..."}) as one `.abc`
 * file each, under `<split>/`. A record without ABC text is counted, not fatal.
 */
export function irishmanEntries(bytes: Uint8Array, split: 'train' | 'eval', label: string): { entries: ImportEntry[]; refused: number } {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new UserError(`${label} is not IrishMAN's JSON: ${(err as Error).message}`, 'BAD_COLLECTION');
  }
  if (!Array.isArray(data)) throw new UserError(`${label} is not IrishMAN's JSON: expected an array of records`, 'BAD_COLLECTION');
  if (data.length > MAX_RECORDS) throw new UserError(`${label} holds ${data.length} records, more than the ${MAX_RECORDS} a collection may`, 'TOO_LARGE');
  const entries: ImportEntry[] = [];
  let refused = 0;
  const width = String(data.length).length;
  data.forEach((record, i) => {
    const abc = (record as Record<string, unknown> | null)?.['abc notation'];
    if (typeof abc !== 'string' || abc.trim() === '' || abc.length > MAX_TUNE_CHARS) {
      refused++;
      return;
    }
    const name = `irishman-${String(i + 1).padStart(width, '0')}.abc`;
    entries.push({ relPath: `${split}/${name}`, displayPath: `${label}#${i + 1}`, bytes: new TextEncoder().encode(abc.endsWith('\n') ? abc : abc + '\n') });
  });
  return { entries, refused };
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true }, (err, zip) => (err || !zip ? reject(err) : resolve(zip)));
  });
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err);
      const parts: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        // yauzl checks the declared size; this guards the sum against a lying central directory.
        if (size > limit) stream.destroy(new Error(`it unpacks to more than ${limit} bytes`));
        else parts.push(c);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(new Uint8Array(Buffer.concat(parts))));
    });
  });
}

/**
 * The ABC files (`.abc`) of a zip, in memory, with their paths inside it; every other entry is listed
 * as skipped. A name that climbs out of the archive or is absolute makes yauzl refuse it; a zip that
 * would unpack past MAX_ZIP_BYTES is refused before it is read.
 */
export async function zipEntries(file: string, label: string): Promise<{ entries: ImportEntry[]; skipped: { path: string; reason: string }[] }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (err) {
    throw new UserError(`${label} is not a zip archive: ${(err as Error).message}`, 'BAD_COLLECTION');
  }
  const entries: ImportEntry[] = [];
  const skipped: { path: string; reason: string }[] = [];
  let total = 0;
  let count = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          count++;
          const name = entry.fileName;
          if (count > MAX_ZIP_ENTRIES) throw new UserError(`${label} holds more than ${MAX_ZIP_ENTRIES} entries`, 'TOO_LARGE');
          if (name.endsWith('/')) return;
          const where = `${label}:${name}`;
          if (!/\.abc$/i.test(name)) return void skipped.push({ path: where, reason: 'not an ABC tune book (.abc)' });
          if (name.split('/').some((s) => s === '' || s === '.' || s === '..' || UNSAFE_NAME.test(s))) return void skipped.push({ path: where, reason: 'unsafe name inside the zip' });
          if (entry.uncompressedSize > DEFAULT_MAX_FILE_BYTES) return void skipped.push({ path: where, reason: `unpacks to ${entry.uncompressedSize} bytes, over the cap of a file` });
          total += entry.uncompressedSize;
          if (total > MAX_ZIP_BYTES) throw new UserError(`${label} unpacks to more than ${MAX_ZIP_BYTES / 1024 ** 3} GiB`, 'TOO_LARGE');
          entries.push({ relPath: name, displayPath: where, bytes: await readEntry(zip, entry, entry.uncompressedSize) });
        })().then(() => zip.readEntry(), reject);
      });
      zip.readEntry();
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${label}: cannot unpack the zip (${(err as Error).message})`, 'BAD_COLLECTION');
  } finally {
    zip.close();
  }
  // Archive order is the packer's; the import (and its split) sees the paths sorted, as a folder walk gives them.
  entries.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return { entries, skipped };
}

/** What a downloaded file holds, by its magic: a zip (PK\x03\x04 or an empty zip's PK\x05\x06) or text. */
export async function isZip(file: string): Promise<boolean> {
  const fd = await fs.open(file, 'r');
  try {
    const head = new Uint8Array(4);
    await fd.read(head, 0, 4, 0);
    return head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6);
  } finally {
    await fd.close();
  }
}
