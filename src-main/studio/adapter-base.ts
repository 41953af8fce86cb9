// The base of a LoRA adapter folder, found in the catalogue by the sha256 the adapter recorded
// (src-main/checkpoint/adapter.ts AdapterBase): a model whose file has it (models.sha256), or a run checkpoint whose
// model.safetensors has it (checkpoints.sha256, hashed on first need). Missing or mismatched, one line says what
// to import. Every resolver of `--checkpoint` and of the API's model/run references calls this for an adapter.
import { readAdapterConfig, type AdapterConfig } from '../checkpoint/adapter';
import type { Catalogue } from '../catalogue/catalogue';
import { checkpointPathOf, type ModelRow } from '../catalogue/models';
import { UserError } from '../shared/errors';

/** The published models' file names (weights-<name>.pth): a missing base of one of these is one download away. */
const PUBLISHED = /^weights-(conversion|cpu|text|image|audio)(\.pth)?$/;

/** Where an adapter's base weights are. */
export interface ResolvedBase {
  /** What the engine merges the adapter onto: a model's .pth, or a run checkpoint folder. */
  path: string;
  /** The model's or run's name, to show. */
  name: string;
  sha256: string;
  /** The catalogue model it is, when it is one. */
  model?: ModelRow;
  /** The run and checkpoint it is, when it is one. */
  run?: { runId: string; checkpoint: 'best' | 'last' };
}

const short = (sha: string) => `${sha.slice(0, 12)}…`;

/** The one line for an adapter folder named where no studio catalogue exists: nothing holds its base. */
export function adapterNeedsCatalogue(dir: string, a: AdapterConfig, home?: string): UserError {
  return new UserError(
    `LoRA adapter ${dir} needs its base '${a.base.name}' (sha256 ${short(a.base.sha256)}), and there is no studio catalogue${home ? ` in ${home}` : ''} to find it in: import the base first (${importHint(a.base.name)}), or give --home`,
    'NO_BASE');
}

/** What to run to bring a missing base into the studio. */
function importHint(name: string): string {
  const published = PUBLISHED.exec(name);
  if (published) return `bgpt models download ${published[1]}`;
  return `bgpt models import ${/\.(pth|pt)$/i.test(name) ? name : `${name}.pth`}`;
}

/**
 * The base of the adapter folder `dir` (its adapter_config.json read here), or a one-line UserError: the base is
 * not in this catalogue (naming what to import), its model file is missing, or the model the adapter points to
 * has other weights than it was trained on.
 */
export async function findAdapterBase(dir: string, catalogue: Catalogue, config?: AdapterConfig): Promise<ResolvedBase> {
  const a = config ?? (await readAdapterConfig(dir));
  const { sha256, name } = a.base;
  const models = await catalogue.models.bySha256(sha256);
  const present = models.find((m) => m.status === 'ok');
  if (present) return { path: checkpointPathOf(present), name: present.name, sha256, model: present };
  if (models.length > 0) {
    throw new UserError(`the base of LoRA adapter ${dir}, model '${models[0].name}', is missing its file ${models[0].path}; import it again`, 'NO_BASE');
  }
  const checkpoints = await catalogue.checkpointsBySha256(sha256);
  const cp = checkpoints[0] ?? (await hashedMatch(catalogue, a));
  if (cp) {
    const run = await catalogue.getRun(cp.runId);
    return { path: cp.path, name: `${run?.name ?? cp.runId} (${cp.kind})`, sha256, run: { runId: cp.runId, checkpoint: cp.kind } };
  }
  // Not there. A model by the hint's id or the recorded name with other weights is a mismatch, worth saying so.
  const hinted = a.base.ref.kind === 'model' ? await catalogue.models.get(a.base.ref.modelId) : null;
  const namesake = hinted ?? (await catalogue.models.get(name));
  if (namesake && !namesake.adapter) {
    throw new UserError(
      `LoRA adapter ${dir} was trained on '${name}' (sha256 ${short(sha256)}), but model '${namesake.name}' here has other weights (sha256 ${short(namesake.sha256)}): import the original base (${importHint(name)})`,
      'BASE_MISMATCH');
  }
  throw new UserError(
    `LoRA adapter ${dir} needs its base '${name}' (sha256 ${short(sha256)}), which is not in ${catalogue.home}: import it first (${importHint(name)})`,
    'NO_BASE');
}

/**
 * A run checkpoint not hashed yet whose model.safetensors turns out to have the sha256: the one the adapter's hint
 * names first (one hash), then the others (each hashed once, then known by its row).
 */
async function hashedMatch(catalogue: Catalogue, a: AdapterConfig) {
  const candidates = await catalogue.unhashedCheckpoints();
  const ref = a.base.ref;
  if (ref.kind === 'run') candidates.sort((x, y) => Number(y.runId === ref.runId && y.kind === ref.checkpoint) - Number(x.runId === ref.runId && x.kind === ref.checkpoint));
  for (const cp of candidates) {
    if ((await catalogue.checkpointSha256(cp)) === a.base.sha256) return cp;
  }
  return null;
}
