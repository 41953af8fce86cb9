// Splits a browser upload into batches that each fit one WebSocket message of `bgpt serve`
// (MAX_WIRE_MESSAGE_BYTES in src-main/shared/wire.ts) and merges the per-batch import reports.
import type { ImportReport } from '../../src-main/shared/contract';
import { UPLOAD_BATCH_BYTES } from '../../src-main/shared/wire';

/** Groups files so that each group's total size is at most `limit` bytes; one larger file is refused. */
export function uploadBatches<T extends { name: string; size: number }>(files: readonly T[], limit: number = UPLOAD_BATCH_BYTES): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const f of files) {
    if (f.size > limit) throw new Error(`'${f.name}' is ${Math.round(f.size / 2 ** 20)} MiB; the browser uploads at most ${Math.round(limit / 2 ** 20)} MiB per file (import it with bgpt datasets import)`);
    if (current.length > 0 && (bytes + f.size > limit || current.length >= 5000)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** One report for several batches imported into the same dataset. */
export function mergeReports(a: ImportReport | null, b: ImportReport): ImportReport {
  if (!a) return b;
  const byModality = { ...a.byModality };
  for (const [k, v] of Object.entries(b.byModality)) byModality[k as keyof typeof byModality] = (byModality[k as keyof typeof byModality] ?? 0) + (v ?? 0);
  const books = [...(a.books ?? []), ...(b.books ?? [])];
  return { ...b, imported: a.imported + b.imported, duplicates: a.duplicates + b.duplicates, skipped: [...a.skipped, ...b.skipped], byModality, ...(books.length ? { books } : {}) };
}
