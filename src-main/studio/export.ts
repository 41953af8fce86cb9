// Export to the reference PyTorch trainers (docs/pytorch.md, `bgpt export torch`): a checkpoint as
// weights.pth + config.py, and a dataset (or, from the CLI, a folder) laid out as their train/eval
// folders. The engine writes the files; this service finds the checkpoint and the data.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Catalogue } from '../catalogue/catalogue';
import { readCheckpointInfo } from '../checkpoint';
import type { EngineHost } from '../engine-host/host';
import type { ExportJob, ExportOutcome } from '../engine-host/jobs';
import { UserError } from '../shared/errors';
import { resolveCheckpoint, type CheckpointSpec } from './checkpoints';

type Source = ExportJob['data'][number];

/** Where the exported data comes from: a dataset of the catalogue (id or name), or a folder a trusted caller names. */
export type ExportData = { dataset: string } | { folder: string };

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

export class ExportService {
  /** `catalogue` is null when neither the checkpoint nor the data is named by id or name (no studio home needed). */
  constructor(
    private readonly catalogue: Catalogue | null,
    private readonly engine: EngineHost,
  ) {}

  /** Writes the export; a LoRA adapter's names the base it was merged onto. */
  async exportTorch(from: CheckpointSpec, out: string, opts: { conversion: string | null; data?: ExportData }): Promise<ExportOutcome & { base: { name: string; sha256: string } | null }> {
    const resolved = await resolveCheckpoint(this.catalogue, from);
    const sources = opts.data === undefined ? [] : 'folder' in opts.data ? await folderFiles(opts.data.folder) : await this.datasetFiles(opts.data.dataset);
    if (opts.data !== undefined && sources.length === 0) throw new UserError(`--data ${'folder' in opts.data ? opts.data.folder : opts.data.dataset}: no files`, 'BAD_ARGS');
    const evalLoss = resolved.form === 'folder' ? (await readCheckpointInfo(resolved.path))?.evalLoss : undefined;
    const r = await this.engine.call('exportTorch', { checkpoint: resolved.path, base: resolved.base?.path ?? null, out: path.resolve(out), conversion: opts.conversion, data: sources, source: resolved.path, evalLoss });
    return { ...r, base: resolved.base ? { name: resolved.base.name, sha256: resolved.base.sha256 } : null };
  }

  private async datasetFiles(idOrName: string): Promise<Source[]> {
    const catalogue = this.catalogue;
    const d = catalogue ? await catalogue.getDataset(idOrName) : null;
    if (!catalogue || !d) throw new UserError(`--data ${idOrName}: no such folder, and no dataset of that name or id in ${catalogue?.home ?? 'the studio home'}`, 'BAD_ARGS');
    const files = await catalogue.listDatasetFiles(d.id);
    const missing = files.find((f) => f.missing);
    if (missing) throw new UserError(`--data ${idOrName}: file ${missing.originalName} is missing from the studio home (run bgpt catalogue recover?)`, 'BAD_ARGS');
    return files.map((f) => ({ from: f.path, name: f.originalName, split: f.split === 'eval' ? 'eval' : 'train', group: f.pairKey ?? null }));
  }
}
