// `bgpt export torch --checkpoint X --out DIR [--data DATASET] [--conversion a->b]` (docs/cli.md,
// docs/pytorch.md): the way out to the reference PyTorch trainers (torchrun, many GPUs) and back. A LoRA adapter
// (a LoRA run, an adapter model) exports merged into its base as weights.pth, and alone in PEFT's layout in adapter/.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HOME_OPTION, type CommandSpec } from '../framework';
import { UserError } from '../../shared/errors';
import { resolveHome } from '../../catalogue/paths';
import { Catalogue } from '../../catalogue/catalogue';
import { readCheckpointInfo } from '../../engine-host/jobs';
import { exportSource, exportTorch, layoutData } from '../../engine/torch/export';
import { resolveCheckpoint } from '../../studio/resolve-checkpoint';

type Source = { from: string; name: string; split: 'train' | 'eval'; group: string | null };

/** A folder's files: those under a top-level eval/ are the eval split (as `bgpt train --data DIR`). */
async function folderFiles(dir: string): Promise<Source[]> {
  const out: Source[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) {
        const split = r.startsWith('eval/') ? 'eval' : 'train';
        // Same folder and stem: a conversion pair (tune.abc + tune.mid) stays together.
        out.push({ from: path.join(dir, r), name: e.name, split, group: `${path.dirname(r)}/${e.name.replace(/\.[^.]*$/, '')}` });
      }
    }
  };
  await walk('');
  return out;
}

async function datasetFiles(home: string, idOrName: string): Promise<Source[]> {
  const catalogue = await Catalogue.open(home);
  try {
    const d = await catalogue.getDataset(idOrName);
    if (!d) throw new UserError(`--data ${idOrName}: no such folder, and no dataset of that name or id in ${home}`, 'BAD_ARGS');
    const files = await catalogue.listDatasetFiles(d.id);
    const missing = files.find((f) => f.missing);
    if (missing) throw new UserError(`--data ${idOrName}: file ${missing.originalName} is missing from the studio home (run bgpt catalogue recover?)`, 'BAD_ARGS');
    return files.map((f) => ({ from: f.path, name: f.originalName, split: f.split === 'eval' ? 'eval' : 'train', group: f.pairKey ?? null }));
  } finally {
    await catalogue.close();
  }
}

export const exportTorchCommand: CommandSpec = {
  name: 'export torch',
  summary: 'write a checkpoint as weights.pth + config.py for the reference PyTorch trainers (and the data as their train/eval folders)',
  usage: 'bgpt export torch --checkpoint X --out DIR [--data DATASET_OR_DIR] [--conversion a->b] [--home DIR]',
  options: [
    { name: 'checkpoint', type: 'string', description: 'checkpoint folder, PyTorch .pth/.pt file, or a model or run (id or name) of --home; an adapter exports merged and as adapter/', required: true },
    { name: 'out', type: 'string', description: 'new (or empty) folder to write weights.pth, config.py and data/ into', required: true },
    { name: 'data', type: 'string', description: 'a dataset of the catalogue (id or name), or a folder (an eval/ sub-folder is the eval split)' },
    { name: 'conversion', type: 'string', description: "conversion mode for config.py: 'a->b' or 'a&b'" },
    HOME_OPTION,
  ],
  maxPositionals: 0,
  async run(ctx) {
    const o = ctx.opts;
    const conversion = (o.conversion as string | undefined) ?? null;
    if (conversion !== null && !/^[^&>\s-]+(->|&)[^&>\s-]+$/.test(conversion)) throw new UserError(`--conversion ${conversion}: expected 'a->b' or 'a&b'`, 'BAD_ARGS');
    const resolved = await resolveCheckpoint(o.checkpoint as string, resolveHome(o.home as string | undefined));
    const checkpoint = resolved.path;
    const src = await exportSource(checkpoint, (await readCheckpointInfo(checkpoint))?.evalLoss, resolved.base?.path);
    let sources: Source[] = [];
    if (o.data !== undefined) {
      const data = o.data as string;
      const stat = await fs.stat(data).catch(() => null);
      sources = stat?.isDirectory() ? await folderFiles(data) : await datasetFiles(resolveHome(o.home as string | undefined), data);
      if (sources.length === 0) throw new UserError(`--data ${data}: no files`, 'BAD_ARGS');
    }
    const out = path.resolve(o.out as string);
    const r = await exportTorch(src, out, { conversion, data: layoutData(sources), source: checkpoint });
    return {
      weights: r.weights,
      config: r.config,
      ...(r.adapter ? { adapter: r.adapter, base: { name: resolved.base?.name ?? null, sha256: resolved.base?.sha256 ?? null } } : {}),
      ...(o.data !== undefined ? { data: path.join(out, 'data'), trainFiles: r.train, evalFiles: r.eval } : {}),
      kind: src.kind,
      modelConfig: src.config,
    };
  },
  format(result) {
    const r = result as { weights: string; config: string; adapter?: string; base?: { name: string | null }; data?: string; trainFiles?: number; evalFiles?: number };
    const lines = [`${r.weights}${r.adapter ? ` (merged onto ${r.base?.name ?? 'its base'})` : ''}`, `${r.config}`];
    if (r.adapter) lines.push(`${r.adapter}: the adapter alone (PEFT layout)`);
    if (r.data) lines.push(`${r.data}: ${r.trainFiles} train, ${r.evalFiles} eval files`);
    return lines.join('\n');
  },
};
