// `bgpt export torch --checkpoint X --out DIR [--data DATASET] [--conversion a->b]` (docs/cli.md,
// docs/pytorch.md): the way out to the reference PyTorch trainers (torchrun, many GPUs) and back. A LoRA adapter
// (a LoRA run, an adapter model) exports merged into its base as weights.pth, and alone in PEFT's layout in adapter/.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HOME_OPTION, type CommandSpec } from '../framework';
import { UserError } from '../../shared/errors';
import { ExportService, type ExportData } from '../../studio/export';
import { checkpointFlag, needsStudio, withEngine, withStudio } from '../studio';

export const exportTorchCommand: CommandSpec = {
  name: 'export torch',
  summary: 'write a checkpoint as weights.pth + config.py for the reference PyTorch trainers (and the data as their train/eval folders)',
  usage: 'bgpt export torch --checkpoint X --out DIR [--data DATASET_OR_DIR] [--conversion a->b] [--home DIR]',
  options: [
    { name: 'checkpoint', type: 'string', description: 'checkpoint folder (config.json + model.safetensors), PyTorch .pth/.pt file, or a model or run (id or name) of --home', required: true },
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
    const from = await checkpointFlag(ctx);
    let data: ExportData | undefined;
    if (o.data !== undefined) {
      const d = o.data as string;
      data = (await fs.stat(d).catch(() => null))?.isDirectory() ? { folder: d } : { dataset: d };
    }
    const out = path.resolve(o.out as string);
    const run = (service: ExportService) => service.exportTorch(from, out, { conversion, data });
    // Only a model, run or dataset named by id or name needs the studio home; paths are read as they are.
    const r = !(await needsStudio(ctx, from)) && (data === undefined || 'folder' in data)
      ? await withEngine((engine) => run(new ExportService(null, engine)))
      : await withStudio(ctx, (studio) => run(new ExportService(studio.catalogue, studio.engine)));
    return {
      weights: r.weights,
      config: r.config,
      ...(r.adapter ? { adapter: r.adapter, base: r.base } : {}),
      ...(o.data !== undefined ? { data: path.join(out, 'data'), trainFiles: r.train, evalFiles: r.eval } : {}),
      kind: r.kind,
      modelConfig: r.modelConfig,
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
