// One reading of `--checkpoint X` for every command (docs/cli.md, docs/pytorch.md): a studio checkpoint
// folder, a PyTorch checkpoint file (.pth/.pt, read by engine/torch), or the id or name of a model or
// a run in the studio home (a run gives its best/ checkpoint, else its last/). Whichever it is, a LoRA
// adapter folder comes with its base, found in the catalogue by sha256 (adapter-base.ts).
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Catalogue } from '../catalogue/catalogue';
import { cataloguePath } from '../catalogue/paths';
import { checkpointPathOf, type ModelRow } from '../catalogue/models';
import { UserError } from '../shared/errors';
import { isAdapterFolder, readAdapterConfig } from '../checkpoint/adapter';
import { findAdapterBase, type ResolvedBase } from './adapter-base';

export type { ResolvedBase };

export interface ResolvedCheckpoint {
  /** What the engine loads: a checkpoint folder or a .pth/.pt file. */
  path: string;
  /** Where it was found. */
  from: 'folder' | 'file' | 'model' | 'run';
  /** The model, when `from` is 'model'. */
  model?: ModelRow;
  /** The run, when `from` is 'run'. */
  runId?: string;
  /** When `path` is a LoRA adapter folder: the base weights the engine merges it onto. */
  base?: ResolvedBase;
}

const TORCH_FILE = /\.(pth|pt)$/i;

/** Resolves against an open catalogue (the studio's); see resolveCheckpoint. */
export async function resolveInCatalogue(spec: string, catalogue: Catalogue): Promise<ResolvedCheckpoint | null> {
  const model = await catalogue.models.get(spec);
  if (model) {
    if (model.status === 'missing') throw new UserError(`model '${model.name}' is missing its file ${model.path}; import it again`, 'MISSING');
    return withBase({ path: checkpointPathOf(model), from: 'model', model }, catalogue);
  }
  const byId = await catalogue.getRun(spec);
  const runs = byId ? [byId] : (await catalogue.listRuns()).filter((r) => r.name === spec);
  if (runs.length > 1) {
    throw new UserError(`${runs.length} runs are named '${spec}' (${runs.slice(0, 3).map((r) => r.id).join(', ')}…): give a run id`, 'AMBIGUOUS');
  }
  if (runs.length === 1) {
    const run = runs[0];
    const cps = (await catalogue.listCheckpoints(run.id)).filter((c) => !c.missing);
    const cp = cps.find((c) => c.kind === 'best') ?? cps.find((c) => c.kind === 'last');
    if (!cp) throw new UserError(`run '${run.name}' (${run.id}) has no checkpoint yet`, 'NO_CHECKPOINT');
    return withBase({ path: cp.path, from: 'run', runId: run.id }, catalogue);
  }
  return null;
}

/** `r` with its base when it names an adapter folder (found in `catalogue`, or a one-line error). */
export async function withBase(r: ResolvedCheckpoint, catalogue: Catalogue): Promise<ResolvedCheckpoint> {
  if (r.base || !(await isAdapterFolder(r.path))) return r;
  return { ...r, base: await findAdapterBase(r.path, catalogue) };
}

/**
 * Resolves `spec` for the engine. A path that exists wins over a catalogue name; a name is looked up
 * in `home` only when its catalogue exists (a lookup never creates a studio home). The one-line error
 * when nothing matches names everything that was tried.
 */
export async function resolveCheckpoint(spec: string, home: string): Promise<ResolvedCheckpoint> {
  const p = path.resolve(spec);
  const st = await fs.stat(p).catch(() => null);
  if (st?.isDirectory()) {
    if (!(await isAdapterFolder(p))) return { path: p, from: 'folder' };
    // An adapter folder by path: its base is looked up in the home's catalogue, which must exist to hold it.
    if (!existsSync(cataloguePath(home))) await findAdapterBaseNowhere(p, home);
    const catalogue = await Catalogue.open(home);
    try {
      return await withBase({ path: p, from: 'folder' }, catalogue);
    } finally {
      await catalogue.close();
    }
  }
  if (st?.isFile()) {
    if (TORCH_FILE.test(p)) return { path: p, from: 'file' };
    throw new UserError(`checkpoint ${spec}: not a checkpoint folder or a PyTorch .pth/.pt file`, 'BAD_CHECKPOINT');
  }
  // A spec written as a path (a folder with separators, or a .pth/.pt file) is not a name to look up.
  if (TORCH_FILE.test(spec)) throw new UserError(`${spec}: cannot read the PyTorch checkpoint (no such file)`, 'BAD_CHECKPOINT');
  if (/[\\/]/.test(spec)) throw new UserError(`checkpoint ${spec}: no such folder`, 'BAD_CHECKPOINT');
  if (existsSync(cataloguePath(home))) {
    const catalogue = await Catalogue.open(home);
    try {
      const found = await resolveInCatalogue(spec, catalogue);
      if (found) return found;
    } finally {
      await catalogue.close();
    }
  }
  throw new UserError(
    `--checkpoint '${spec}': no checkpoint folder or .pth/.pt file at that path, and no model or run with that id or name in ${home}`,
    'NO_CHECKPOINT');
}

/** The one line for an adapter folder given where no studio home exists yet: nothing holds its base. */
async function findAdapterBaseNowhere(dir: string, home: string): Promise<never> {
  const a = await readAdapterConfig(dir);
  throw new UserError(
    `LoRA adapter ${dir} needs its base '${a.base.name}' (sha256 ${a.base.sha256.slice(0, 12)}…), and there is no studio catalogue in ${home} to find it in: import the base first (bgpt models import, or bgpt models download), or give --home`,
    'NO_BASE');
}
