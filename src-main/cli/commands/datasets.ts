// `bgpt datasets import|list`: the catalogue's datasets from the command line (docs/cli.md).
import { HOME_OPTION, type CommandSpec } from '../framework';
import type { DatasetSummary, ImportReport } from '../../shared/contract';
import path from 'node:path';
import type { Progress } from '../progress';
import { withStudio } from '../studio';

export const datasetsImport: CommandSpec = {
  name: 'datasets import',
  summary: 'import files and folders into a dataset (content-addressed; duplicates skipped)',
  usage: 'bgpt datasets import PATH... [--name NAME] [--kind generative|conversion] [--home DIR]',
  options: [
    { name: 'name', type: 'string', description: 'dataset to create or add to (default: the first folder\'s name)' },
    { name: 'kind', type: 'string', description: "'generative', or 'conversion' for paired files such as tune.abc + tune.mid", default: 'generative' },
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
    // The CLI's own user names these paths; the desktop app takes them only from its dialog's grants.
    const report = await withStudio(ctx, (studio) => studio.datasets.importPaths(name, positionals, kind, signal, onProgress));
    state.bar?.finish();
    return report;
  },
  format(r) {
    const x = r as ImportReport;
    const lines = [`${x.dataset}: imported ${x.imported}, duplicates ${x.duplicates}, skipped ${x.skipped.length}`];
    for (const s of x.skipped) lines.push(`  skipped ${s.path}: ${s.reason}`);
    if (x.splitNote) lines.push(`eval split: ${x.splitNote}`);
    return lines.join('\n');
  },
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
