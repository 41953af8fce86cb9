// A run's metrics as CSV (docs/walkthrough.md), one row per step, for spreadsheets and plotting scripts.
// RFC 4180: comma-separated, a header row, CRLF line ends; empty cells where a step lacks a value.
import type { MetricPoint } from '../../src-main/shared/contract';

const COLUMNS = ['step', 'time', 'trainLoss', 'evalLoss', 'bitsPerByte', 'lr', 'bytesPerSecond'] as const;

/** Header names say the units, so the file reads without this code beside it. */
const HEADER = ['step', 'time_utc', 'train_loss_nats_per_byte', 'eval_loss_nats_per_byte', 'eval_bits_per_byte', 'learning_rate', 'bytes_per_second'];

export function metricsCsv(points: readonly MetricPoint[]): string {
  const rows = [HEADER.join(',')];
  for (const p of points) {
    rows.push(COLUMNS.map((c) => {
      const v = p[c];
      if (v === null || v === undefined || !Number.isFinite(v)) return '';
      return c === 'time' ? new Date(v).toISOString() : String(v);
    }).join(','));
  }
  return rows.join('\r\n') + '\r\n';
}

/** A file name from a run name: letters, digits, '-' and '_' only. */
export function safeFileStem(name: string): string {
  return trimDashes(name.normalize('NFKD').replace(/[^\w-]+/g, '-')).slice(0, 80) || 'run';
}

/** Drops leading and trailing '-' by index: `/-+$/` retried from every dash of a long run (quadratic). */
function trimDashes(s: string): string {
  let a = 0, b = s.length;
  while (a < b && s[a] === '-') a++;
  while (b > a && s[b - 1] === '-') b--;
  return s.slice(a, b);
}

/** What a file of this extension is, in a word a musician would put in a file name. */
const KIND_WORDS: Record<string, string> = { mid: 'tune', midi: 'tune', abc: 'tune', wav: 'sound', bmp: 'image', txt: 'text', cpu: 'trace' };

/**
 * The name a sample is exported under (docs/walkthrough.md): `tune-<run>-<n>.mid`, where n is the
 * sample's short id (unique, and the one the library shows), not the library's "run · id" label.
 */
export function exportFileName(sample: { id: string; ext: string; runName: string | null }): string {
  const ext = sample.ext.toLowerCase();
  const kind = KIND_WORDS[ext] ?? 'sample';
  return `${kind}-${safeFileStem(sample.runName ?? 'sample')}-${sample.id.slice(-6)}.${ext}`;
}
