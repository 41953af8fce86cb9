// The one resolver of "which checkpoint" for every service and front end. A request names a run's
// best/last or a model by id, and those are looked up in the catalogue only: a request's string never
// becomes a path, and nothing is stat-ed on its word (docs/security.md). Paths come only from trusted
// callers: the CLI (its own user's command line: `--checkpoint DIR|FILE.pth|ID|NAME`) and the desktop
// app's dialog grants. Whichever it is, a LoRA adapter folder comes with its base, found in the catalogue
// by sha256 (adapter-base.ts): the engine merges the two at load.
import path from 'node:path';
import type { Catalogue } from '../catalogue/catalogue';
import { checkpointPathOf, type ModelRow } from '../catalogue/models';
import { isAdapterFolder, readAdapterConfig } from '../checkpoint/adapter';
import { adapterNeedsCatalogue, findAdapterBase, type ResolvedBase } from './adapter-base';
import { modelsDir, runsDir } from '../catalogue/paths';
import type { RunRow } from '../catalogue/types';
import { checkpointForm, isClassifierFolder, readFolderConfig, requireCheckpoint, TORCH_FILE_NAME, type CheckpointKind, type CheckpointName } from '../checkpoint';
import { configFromJson, type BGPTConfig } from '../shared/config';
import type { CheckpointRefParsed, RunMode } from '../shared/contract';
import { UserError } from '../shared/errors';

/**
 * A checkpoint as a service receives it: a request's reference (ids), or, from trusted callers only, a
 * path (`kind: 'path'`) or the id or name of a model or run (`kind: 'name'`, the CLI's `--checkpoint NAME`).
 */
export type CheckpointSpec =
  | CheckpointRefParsed
  | { kind: 'path'; path: string }
  /** `flag`: the command-line flag it came from, for the error line (default --checkpoint). */
  | { kind: 'name'; name: string; flag?: string };

export interface ResolvedCheckpoint {
  /** What the engine loads: a checkpoint folder or a PyTorch file. */
  path: string;
  /** Recognised by content (checkpoint/form.ts). */
  form: 'folder' | 'torch';
  /** The run whose folder holds it (named as a run, or a path inside the home's runs/). */
  run: RunRow | null;
  /** Which of the run's checkpoints (null when not a run's). */
  which: CheckpointName | null;
  /** The model it is (named as a model, or a path inside the home's models/). */
  model: ModelRow | null;
  /** What it can do, as the run, the model or the folder says; null for a PyTorch file named by path (its reader tells). */
  kind: CheckpointKind | null;
  /** When `path` is a LoRA adapter folder: the base weights the engine merges it onto (else null). */
  base: ResolvedBase | null;
}

/** How a run's mode reads as a checkpoint kind. */
export function kindOfRun(mode: RunMode): CheckpointKind {
  return mode === 'classification' ? 'classifier' : mode;
}

/**
 * Resolves a spec against the studio's catalogue; every failure is one line (NOT_FOUND, MISSING,
 * NO_CHECKPOINT, AMBIGUOUS, BAD_CHECKPOINT). Without a catalogue (a check before any studio home
 * exists) only a path resolves, linked to nothing.
 */
export async function resolveCheckpoint(catalogue: Catalogue | null, spec: CheckpointSpec): Promise<ResolvedCheckpoint> {
  return withBase(catalogue, await resolveWeights(catalogue, spec));
}

/**
 * `r` with its base when it names an adapter folder: found in `catalogue` by sha256, else one line saying what
 * to import (or, with no catalogue at all, that there is none to find it in). An adapter's kind is its own.
 */
async function withBase(catalogue: Catalogue | null, r: ResolvedCheckpoint): Promise<ResolvedCheckpoint> {
  if (r.form !== 'folder' || !(await isAdapterFolder(r.path))) return r;
  const adapter = await readAdapterConfig(r.path);
  if (!catalogue) throw adapterNeedsCatalogue(r.path, adapter);
  return { ...r, kind: adapter.kind, base: await findAdapterBase(r.path, catalogue, adapter) };
}

async function resolveWeights(catalogue: Catalogue | null, spec: CheckpointSpec): Promise<ResolvedCheckpoint> {
  if (spec.kind === 'path') return byPath(catalogue, spec.path);
  if (!catalogue) throw new Error('resolving a checkpoint by id or name needs the catalogue');
  if (spec.kind === 'run') {
    const run = await catalogue.getRun(spec.runId);
    if (!run) throw new UserError(`no run '${spec.runId}'`, 'NOT_FOUND');
    return runCheckpoint(catalogue, run, spec.checkpoint);
  }
  if (spec.kind === 'model') {
    const model = await catalogue.models.get(spec.modelId);
    // A reference carries an id; a model's name is no id.
    if (!model || model.id !== spec.modelId) throw new UserError(`no model '${spec.modelId}'`, 'NOT_FOUND');
    return modelCheckpoint(model);
  }
  if (spec.kind === 'name') {
    const found = await byName(catalogue, spec.name);
    if (!found) {
      throw new UserError(`--${spec.flag ?? 'checkpoint'} '${spec.name}': no checkpoint folder or .pth/.pt file at that path, and no model or run with that id or name in ${catalogue.home}`, 'NO_CHECKPOINT');
    }
    return found;
  }
  throw new Error(`unknown checkpoint spec '${(spec as { kind: string }).kind}'`);
}

/**
 * How the CLI reads `--checkpoint X` from its own user's command line: a path that is there (or is
 * written as one: a separator, or a .pth/.pt name) is a path; anything else an id or name to look up.
 */
export async function checkpointArg(arg: string, flag = 'checkpoint'): Promise<CheckpointSpec> {
  const p = path.resolve(arg);
  if ((await checkpointForm(p)) !== 'missing' || TORCH_FILE_NAME.test(arg) || /[\\/]/.test(arg)) return { kind: 'path', path: p };
  return { kind: 'name', name: arg, flag };
}

/** A run's checkpoint: the one asked for, else its last (a run that has not evaluated yet has no best). */
async function runCheckpoint(catalogue: Catalogue, run: RunRow, which: CheckpointName): Promise<ResolvedCheckpoint> {
  const cps = (await catalogue.listCheckpoints(run.id)).filter((c) => !c.missing);
  const cp = cps.find((c) => c.kind === which) ?? cps.find((c) => c.kind === 'last');
  if (!cp) throw new UserError(`run '${run.name}' has no checkpoint yet: train it for a while first`, 'NO_CHECKPOINT');
  return { path: cp.path, form: await requireCheckpoint(cp.path), run, which: cp.kind, model: null, kind: kindOfRun(run.mode), base: null };
}

function modelCheckpoint(model: ModelRow): ResolvedCheckpoint {
  if (model.status === 'missing') throw new UserError(`model '${model.name}' is missing its file; import it again`, 'MISSING');
  // An adapter model is its folder (adapter_config.json beside its weights); a full model its .pth.
  return { path: checkpointPathOf(model), form: model.adapter ? 'folder' : 'torch', run: null, which: null, model, kind: model.kind, base: null };
}

/** A model by id or name, else a run by id or (unambiguous) name: its best checkpoint, else its last. */
async function byName(catalogue: Catalogue, name: string): Promise<ResolvedCheckpoint | null> {
  const model = await catalogue.models.get(name);
  if (model) return modelCheckpoint(model);
  const byId = await catalogue.getRun(name);
  const runs = byId ? [byId] : (await catalogue.listRuns()).filter((r) => r.name === name);
  if (runs.length > 1) {
    throw new UserError(`${runs.length} runs are named '${name}' (${runs.slice(0, 3).map((r) => r.id).join(', ')}…): give a run id`, 'AMBIGUOUS');
  }
  return runs.length === 1 ? runCheckpoint(catalogue, runs[0], 'best') : null;
}

/** A trusted caller's path; one inside the home's runs/ or models/ is that run's or model's (its samples are linked to it). */
async function byPath(catalogue: Catalogue | null, p: string): Promise<ResolvedCheckpoint> {
  const abs = path.resolve(p);
  const form = await requireCheckpoint(abs);
  const folderKind: CheckpointKind | null = form === 'folder' ? ((await isClassifierFolder(abs)) ? 'classifier' : 'generative') : null;
  if (!catalogue) return { path: abs, form, run: null, which: null, model: null, kind: folderKind, base: null };
  const inRuns = path.relative(runsDir(catalogue.home), abs).split(path.sep);
  if (inRuns.length === 2 && !inRuns[0].startsWith('..') && (inRuns[1] === 'best' || inRuns[1] === 'last')) {
    const run = await catalogue.getRun(inRuns[0]).catch(() => null);
    if (run) return { path: abs, form, run, which: inRuns[1], model: null, kind: kindOfRun(run.mode), base: null };
  }
  // models/<id>/<file>.pth, or an adapter model's folder models/<id>
  const inModels = path.relative(modelsDir(catalogue.home), abs).split(path.sep);
  if (inModels.length <= 2 && inModels[0] !== '' && !inModels[0].startsWith('..')) {
    const model = await catalogue.models.get(inModels[0]).catch(() => null);
    if (model && model.id === inModels[0]) return { path: abs, form, run: null, which: null, model, kind: model.kind, base: null };
  }
  return { path: abs, form, run: null, which: null, model: null, kind: folderKind, base: null };
}

/**
 * The model config of a resolved checkpoint without loading its weights: a folder's config.json, a
 * model's catalogue record, or (a PyTorch file named by path) the shapes its restricted reader infers.
 */
export async function configOf(r: ResolvedCheckpoint): Promise<BGPTConfig> {
  if (r.form === 'folder') return readFolderConfig(r.path, { classifier: true });
  if (r.model) return configFromJson(r.model.config, `model ${r.model.name}`, { classifier: r.model.kind === 'classifier' });
  const { inspectModelFile } = await import('./model-file');
  return (await inspectModelFile(r.path)).config;
}
