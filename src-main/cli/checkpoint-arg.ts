// `--checkpoint X` / `--init X` (DESIGN §3): a checkpoint folder, a PyTorch file (.pth/.pt), or the
// id or name of a run in the studio home (its best checkpoint, else its last).
import { promises as fs } from 'node:fs';
import { Catalogue } from '../catalogue/catalogue';
import { resolveHome } from '../catalogue/paths';
import { readCheckpointInfo } from '../engine-host/jobs';
import { UserError } from '../shared/errors';

/** The path a checkpoint argument names; a name that is no path is looked up among the runs of `home`. */
export async function resolveCheckpointArg(value: string, home: string | undefined, flag = '--checkpoint'): Promise<string> {
  if (await fs.stat(value).catch(() => null)) return value;
  if (/[\\/]/.test(value) || /\.(pth|pt)$/i.test(value)) throw new UserError(`${flag} ${value}: no such checkpoint folder or file`, 'BAD_ARGS');
  const dir = resolveHome(home);
  if (!(await fs.stat(dir).catch(() => null))) throw new UserError(`${flag} ${value}: no such checkpoint, and no studio home at ${dir} to look it up in`, 'BAD_ARGS');
  const catalogue = await Catalogue.open(dir, { checkpointInfo: readCheckpointInfo });
  try {
    const runs = await catalogue.listRuns();
    const run = runs.find((r) => r.id === value) ?? runs.find((r) => r.name === value);
    if (!run) throw new UserError(`${flag} ${value}: no such checkpoint folder or file, and no run of that id or name in ${catalogue.home}`, 'BAD_ARGS');
    const cps = (await catalogue.listCheckpoints(run.id)).filter((c) => !c.missing);
    const cp = cps.find((c) => c.kind === 'best') ?? cps.find((c) => c.kind === 'last');
    if (!cp) throw new UserError(`${flag} ${value}: run '${run.name}' has no checkpoint yet`, 'BAD_ARGS');
    return cp.path;
  } finally {
    await catalogue.close();
  }
}
