// How a `bgpt` command reaches the studio: it opens the studio of --home with an engine host, calls the
// same services the desktop app and `bgpt serve` call, and closes it. One-shot commands run the engine
// in this process (no second process to start); `bgpt train` and `bgpt serve` keep the engine process,
// so Ctrl-C and a crash cost only that process. Also how `--checkpoint X` becomes a checkpoint spec.
import { existsSync } from 'node:fs';
import { cataloguePath, resolveHome } from '../catalogue/paths';
import type { EngineHost } from '../engine-host/host';
import { UserError } from '../shared/errors';
import { checkpointArg, type CheckpointSpec } from '../studio/checkpoints';
import { isAdapterFolder, readAdapterConfig } from '../checkpoint/adapter';
import type { ScoringService } from '../studio/scoring';
import type { Studio } from '../studio/studio';
import type { CommandContext } from './framework';

// The studio, its engine hosts and the scoring service are loaded when a command runs, not when the CLI starts:
// `bgpt --help` and `bgpt <command> --help` must not evaluate SQLite, zod or the engine (docs/cli.md).
const loadStudio = () => import('../studio/studio');
const loadHosts = () => Promise.all([import('../engine-host/host'), import('../engine-host/in-process'), import('../engine-host/node-process')]);

/** The studio home a command works in (--home, else BGPT_HOME, else the app-data folder). */
export function homeOf(ctx: CommandContext): string {
  return resolveHome(ctx.opts.home as string | undefined);
}

/** Opens the studio of --home for one command, runs `fn` with it, and closes it (stopping the engine). */
export async function withStudio<T>(ctx: CommandContext, fn: (studio: Studio) => Promise<T>, engine: 'in-process' | 'process' = 'in-process'): Promise<T> {
  const [{ ProcessEngineHost }, { InProcessEngineHost }, { spawnNodeEngine }] = await loadHosts();
  const host: EngineHost = engine === 'in-process' ? new InProcessEngineHost() : new ProcessEngineHost(() => spawnNodeEngine());
  const { openStudio } = await loadStudio();
  const studio = await openStudio({ home: homeOf(ctx), engine: host, transport: 'cli', builtIns: false });
  try {
    return await fn(studio);
  } finally {
    await studio.close();
  }
}

/**
 * `--checkpoint X` (or another flag) from this user's command line: a path, else the id or name of a
 * model or run of --home. A name is looked up only where a catalogue exists: a lookup never creates a
 * studio home.
 */
export async function checkpointFlag(ctx: CommandContext, flag = 'checkpoint'): Promise<CheckpointSpec> {
  const arg = ctx.opts[flag] as string;
  const spec = await checkpointArg(arg, flag);
  const home = homeOf(ctx);
  if (spec.kind === 'name' && !existsSync(cataloguePath(home))) {
    throw new UserError(`--${flag} '${arg}': no checkpoint folder or .pth/.pt file at that path, and no model or run with that id or name in ${home}`, 'NO_CHECKPOINT');
  }
  return spec;
}

/**
 * Whether a checkpoint spec needs the studio of --home: a model or run does, and so does a LoRA adapter folder
 * named by path (its base is found in the catalogue). An adapter where no catalogue exists is refused here, in
 * one line, so that no studio home is created just to say its base is missing.
 */
export async function needsStudio(ctx: CommandContext, spec: CheckpointSpec): Promise<boolean> {
  if (spec.kind !== 'path') return true;
  if (!(await isAdapterFolder(spec.path))) return false;
  if (!existsSync(cataloguePath(homeOf(ctx)))) {
    const { adapterNeedsCatalogue } = await import('../studio/adapter-base'); // it reaches the catalogue's SQLite modules
    throw adapterNeedsCatalogue(spec.path, await readAdapterConfig(spec.path), homeOf(ctx));
  }
  return true;
}

/**
 * The scoring service for a command: a checkpoint named by path is scored without any studio home
 * (none is opened or created, as scoring a file should not need one); a model, a run or an adapter opens the studio.
 */
export async function withScoring<T>(ctx: CommandContext, from: CheckpointSpec, fn: (scoring: ScoringService) => Promise<T>): Promise<T> {
  if (await needsStudio(ctx, from)) return withStudio(ctx, (studio) => fn(studio.scoring));
  const { ScoringService } = await import('../studio/scoring');
  return withEngine((engine) => fn(new ScoringService(null, engine)));
}

/** An in-process engine for work that needs no studio home (a service given a null catalogue, the bench). */
export async function withEngine<T>(fn: (engine: EngineHost) => Promise<T>): Promise<T> {
  const { InProcessEngineHost } = await import('../engine-host/in-process');
  const engine = new InProcessEngineHost();
  try {
    return await fn(engine);
  } finally {
    await engine.stop();
  }
}
