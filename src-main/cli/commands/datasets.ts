// `bgpt datasets import|list`: the catalogue's datasets from the command line (docs/cli.md).
import { HOME_OPTION, type CommandSpec } from '../framework';
import type { DatasetSummary, ImportReport } from '../../shared/contract';
import path from 'node:path';
import type { Progress } from '../progress';
import { UserError } from '../../shared/errors';
import { TUNE_COLLECTIONS } from '../../shared/collections';
import { withStudio } from '../studio';

/** `--keys N`: each ABC tune in N keys (docs/music.md). */
export const KEYS_OPTION = { name: 'keys', type: 'number', description: 'import each ABC tune in N keys (1 = as written, up to 12; transposed in TypeScript, no abcmidi needed)', default: 1 } as const;

export function keysOption(value: unknown): number {
  const keys = (value as number | undefined) ?? 1;
  if (!Number.isInteger(keys) || keys < 1 || keys > 12) throw new UserError(`--keys ${String(value)}: give a whole number from 1 (as written) to 12`, 'BAD_ARGS');
  return keys;
}

export const datasetsImport: CommandSpec = {
  name: 'datasets import',
  summary: 'import files and folders into a dataset (content-addressed; duplicates skipped)',
  usage: 'bgpt datasets import PATH... [--name NAME] [--kind generative|conversion] [--keys N] [--home DIR]',
  options: [
    { name: 'name', type: 'string', description: 'dataset to create or add to (default: the first folder\'s name)' },
    { name: 'kind', type: 'string', description: "'generative', or 'conversion' for paired files such as tune.abc + tune.mid", default: 'generative' },
    KEYS_OPTION,
    HOME_OPTION,
  ],
  minPositionals: 1,
  async run(ctx) {
    const { opts, positionals, startProgress, signal } = ctx;
    const kind = opts.kind === 'conversion' ? 'conversion' : 'generative';
    const name = (opts.name as string | undefined) ?? path.basename(path.resolve(positionals[0]));
    const state: { bar: Progress | null } = { bar: null };
    // The importer reports 'read N/M path' per file (datasets/import.ts): that becomes the bar.
    const onProgress = (m: string) => {
      const read = /^read (\d+)\/(\d+) /.exec(m);
      if (!read) return (state.bar ?? startProgress({ label: 'importing' })).log(m);
      state.bar ??= startProgress({ label: 'importing', total: Number(read[2]), unit: 'files' });
      state.bar.update(Number(read[1]));
    };
    const keys = keysOption(opts.keys);
    // The CLI's own user names these paths; the desktop app takes them only from its dialog's grants.
    const report = await withStudio(ctx, (studio) => studio.datasets.importPaths(name, positionals, kind, signal, onProgress, { keys }));
    state.bar?.finish();
    return report;
  },
  format: (r) => formatImport(r as ImportReport),
};

/** The import report in words: totals, one line per tune book, one line per file or tune refused. */
export function formatImport(x: ImportReport): string {
  const lines = [`${x.dataset}: imported ${x.imported}, duplicates ${x.duplicates}, skipped ${x.skipped.length}`];
  for (const b of x.books ?? []) {
    lines.push(`  ${b.path}: ${b.tunes} tune${b.tunes === 1 ? '' : 's'}, ${b.imported} imported as ${b.files} file${b.files === 1 ? '' : 's'}, ${b.refused} refused, ${b.duplicates} duplicate${b.duplicates === 1 ? '' : 's'}`);
  }
  for (const s of x.skipped) lines.push(`  skipped ${s.path}: ${s.reason}`);
  if (x.splitNote) lines.push(`eval split: ${x.splitNote}`);
  return lines.join('\n');
}

export const datasetsDownload: CommandSpec = {
  name: 'datasets download',
  summary: `download a tune collection (${TUNE_COLLECTIONS.map((c) => c.name).join(', ')}) or an https URL of an ABC tune book or a zip of them into a dataset; resumes an interrupted download`,
  usage: 'bgpt datasets download irishman|URL [--name NAME] [--keys N] [--home DIR]',
  options: [
    { name: 'name', type: 'string', description: "dataset to create or add to (default: the collection's name, else the file name)" },
    KEYS_OPTION,
    HOME_OPTION,
  ],
  minPositionals: 1,
  maxPositionals: 1,
  async run(ctx) {
    const { opts, positionals, startProgress, signal, progress } = ctx;
    const keys = keysOption(opts.keys);
    const state: { bar: Progress | null; file: string | null } = { bar: null, file: null };
    try {
      // The CLI's own user names the URL; a browser may name collections only (studio/dataset-download.ts).
      return await withStudio(ctx, (studio) => studio.collections.download(positionals[0], {
        name: opts.name as string | undefined, keys, allowUrls: true, signal,
        onNote: (line) => { state.bar?.finish(); state.bar = null; progress(line); },
        onProgress: (p) => {
          if (state.file !== p.file || !state.bar) {
            state.bar?.finish();
            state.file = p.file;
            state.bar = startProgress({ label: p.file, total: p.total ?? undefined, unit: 'bytes' });
          }
          state.bar.update(p.bytes);
        },
      })).catch((err: unknown) => {
        if ((err as UserError).code === 'CANCELLED') throw new UserError('download interrupted; run the same command again to resume', 'CANCELLED');
        throw err;
      });
    } finally {
      state.bar?.finish();
    }
  },
  format: (r) => formatImport(r as ImportReport),
};

export const datasetsList: CommandSpec = {
  name: 'datasets list',
  summary: 'list the datasets in the catalogue',
  usage: 'bgpt datasets list [--home DIR]',
  options: [HOME_OPTION],
  maxPositionals: 0,
  async run(ctx) {
    return withStudio(ctx, async (studio) => ({ datasets: await studio.datasets.list() }));
  },
  format(r) {
    const list = (r as { datasets: DatasetSummary[] }).datasets;
    if (list.length === 0) return 'no datasets yet: bgpt datasets import PATH...';
    return list.map((d) => `${d.id}  ${d.name}  ${d.fileCount} files, ${d.totalBytes} bytes`).join('\n');
  },
};
