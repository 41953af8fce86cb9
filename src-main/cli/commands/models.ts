// `bgpt models import|list|download` (docs/cli.md, docs/models.md–4): PyTorch checkpoints as models of the
// studio home. A download shows a progress bar on a terminal's stderr (plain lines otherwise), resumes
// what an interrupted run left, and Ctrl-C stops it keeping the partial file for the next try. A LoRA adapter
// (a PEFT folder or a zip of one) imports as a model tied to its base, and lists with `base` and `adapter`.
import { HOME_OPTION, type CommandContext, type CommandSpec, type OptionSpec } from '../framework';
import type { ModelKind } from '../../catalogue/models';
import type { ModelInfo } from '../../shared/contract';
import { UserError } from '../../shared/errors';
import { humanBytes, type DownloadProgress } from '../../studio/download';
import { HF_ENDPOINT_ENV, PUBLISHED_MODELS, type ModelService } from '../../studio/models';
import { withStudio } from '../studio';

const NAME_OPTION: OptionSpec = { name: 'name', type: 'string', description: 'model name (default: the file name without .pth)' };
const KIND_OPTION: OptionSpec = {
  name: 'kind', type: 'string',
  description: 'generative | conversion | classifier (default: classifier if the file has labels, conversion if its name says so, else generative)',
};
/** Plain progress lines when stderr is not a terminal: one per this many seconds. */
const PLAIN_PROGRESS_SECONDS = 5;

function kindFlag(v: unknown): ModelKind | undefined {
  if (v === undefined) return undefined;
  if (v === 'generative' || v === 'conversion' || v === 'classifier') return v;
  throw new UserError(`--kind must be generative, conversion or classifier, got '${String(v)}'`, 'BAD_ARGS');
}

/** What the CLI prints of a model (docs/cli.md: id, name, config, parameters, sha256, kind). */
function cliModel(m: ModelInfo & { path: string }) {
  return {
    id: m.id, name: m.name, config: m.configJson, parameters: m.parameters, sha256: m.sha256, kind: m.kind,
    size: m.size, source: m.source, path: m.path, labels: m.labels, missing: m.missing, created: m.created,
    base: m.base, adapter: m.adapter,
  };
}

async function withModels<T>(ctx: CommandContext, fn: (models: ModelService, located: (m: ModelInfo) => Promise<ModelInfo & { path: string }>) => Promise<T>): Promise<T> {
  return withStudio(ctx, (studio) => fn(studio.models, async (m: ModelInfo) => ({ ...m, path: await studio.models.pathOf(m.id) })));
}

function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A bar redrawn in place on a terminal; plain lines every few seconds otherwise (logs, CI). */
function progressReporter(ctx: CommandContext): { update(p: DownloadProgress): void; end(): void } {
  const tty = process.stderr.isTTY === true && !ctx.json;
  let lastLine = 0;
  let lastBytes = -1;
  let drawn = false;
  return {
    update(p) {
      const pct = p.total ? p.bytes / p.total : null;
      const text = `${humanBytes(p.bytes)}${p.total ? ` / ${humanBytes(p.total)}` : ''}  ${humanBytes(Math.round(p.bytesPerSecond))}/s  ETA ${formatEta(p.etaSeconds)}`;
      if (tty) {
        const width = 30;
        const fill = pct === null ? 0 : Math.round(pct * width);
        process.stderr.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct === null ? '' : `${(pct * 100).toFixed(1)}% `}${text}\x1b[K`);
        drawn = true;
      } else if (p.bytes !== lastBytes && (Date.now() - lastLine >= PLAIN_PROGRESS_SECONDS * 1000 || (p.total !== null && p.bytes === p.total))) {
        lastLine = Date.now();
        lastBytes = p.bytes;
        ctx.progress(`downloaded ${pct === null ? '' : `${(pct * 100).toFixed(1)}%: `}${text}`);
      }
    },
    end() {
      if (drawn) process.stderr.write('\n');
    },
  };
}

export const modelsImport: CommandSpec = {
  name: 'models import',
  summary: "import a PyTorch checkpoint (.pth/.pt) as a model of the studio (the reference trainer's logs-*.txt in the same folder is read too and brings its curves), or a LoRA adapter (a PEFT folder or a .zip of one) tied to its base",
  usage: 'bgpt models import FILE.pth|ADAPTER_DIR|ADAPTER.zip [--name NAME] [--kind KIND] [--home DIR]',
  options: [NAME_OPTION, KIND_OPTION, HOME_OPTION],
  minPositionals: 1,
  maxPositionals: 1,
  async run(ctx) {
    const kind = kindFlag(ctx.opts.kind);
    return withModels(ctx, async (models, located) => {
      ctx.progress(`checking ${ctx.positionals[0]}`);
      // The CLI reads the log beside the file (the user's own command names that folder; --help says so).
      const { findReferenceLog } = await import('../../studio/model-file'); // lazily: it pulls in the engine's tensor code
      const log = await findReferenceLog(ctx.positionals[0]);
      const m = await models.importPath(ctx.positionals[0], { name: ctx.opts.name as string | undefined, kind, log });
      return { model: cliModel(await located(m)) };
    });
  },
  format: (r) => formatModel((r as { model: ReturnType<typeof cliModel> }).model),
};

export const modelsList: CommandSpec = {
  name: 'models list',
  summary: 'list the models of the studio home',
  usage: 'bgpt models list [--home DIR]',
  options: [HOME_OPTION],
  maxPositionals: 0,
  async run(ctx) {
    return withModels(ctx, async (models, located) => {
      const list = [];
      for (const m of await models.list()) list.push(cliModel(await located(m)));
      return { models: list };
    });
  },
  format(r) {
    const list = (r as { models: ReturnType<typeof cliModel>[] }).models;
    return list.length === 0 ? 'no models yet: bgpt models download text (or conversion, cpu, image, audio), or bgpt models import FILE.pth' : list.map(formatModel).join('\n');
  },
};

export const modelsDownload: CommandSpec = {
  name: 'models download',
  summary: `download a published bGPT model (${PUBLISHED_MODELS.join(', ')}; checked against the size and sha256 the studio ships) or a .pth https URL; resumes an interrupted download`,
  usage: 'bgpt models download NAME|URL [--sha256 HEX] [--name NAME] [--kind KIND] [--home DIR]',
  options: [
    { name: 'sha256', type: 'string', description: "the sha256 the file must have (needed for a URL whose server publishes none)" },
    NAME_OPTION, KIND_OPTION, HOME_OPTION,
  ],
  minPositionals: 1,
  maxPositionals: 1,
  async run(ctx) {
    const kind = kindFlag(ctx.opts.kind);
    return withModels(ctx, async (models, located) => {
      const bar = progressReporter(ctx);
      ctx.progress(`downloading ${ctx.positionals[0]}${process.env[HF_ENDPOINT_ENV] ? ` from ${process.env[HF_ENDPOINT_ENV]}` : ''}`);
      try {
        const m = await models.download(ctx.positionals[0], {
          name: ctx.opts.name as string | undefined, kind, sha256: ctx.opts.sha256 as string | undefined, signal: ctx.signal, onProgress: (p) => bar.update(p), onNote: (l) => ctx.progress(l),
        });
        bar.end();
        return { model: cliModel(await located(m)) };
      } catch (err) {
        bar.end();
        if ((err as UserError).code === 'CANCELLED') throw new UserError('download interrupted; run the same command again to resume', 'CANCELLED');
        throw err;
      }
    });
  },
  format: (r) => formatModel((r as { model: ReturnType<typeof cliModel> }).model),
};

function formatModel(m: ReturnType<typeof cliModel>): string {
  const c = m.config;
  const params = m.parameters >= 1e6 ? `${(m.parameters / 1e6).toFixed(1)} M` : `${(m.parameters / 1e3).toFixed(1)} k`;
  if (m.adapter && m.base) {
    return `${m.name} (${m.id}): LoRA adapter r${m.adapter.rank} of ${m.base.name}${m.base.id ? '' : ' (base not a model here)'}, ${m.kind}, `
      + `${params} parameters, ${humanBytes(m.size)}, sha256 ${m.sha256.slice(0, 12)}${m.missing ? ' [MISSING]' : ''}`;
  }
  return `${m.name} (${m.id}): ${m.kind}, ${params} parameters, patch ${c.patch_size} × ${c.patch_length}, hidden ${c.hidden_size}, `
    + `${c.patch_num_layers}+${c.byte_num_layers} layers, ${humanBytes(m.size)}, sha256 ${m.sha256.slice(0, 12)}${m.missing ? ' [MISSING]' : ''}`;
}

export const modelsCommands: CommandSpec[] = [modelsImport, modelsList, modelsDownload];
