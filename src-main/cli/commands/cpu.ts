// `bgpt cpu generate` and `bgpt cpu evaluate` (docs/cli.md, docs/cpu.md): write a seeded CPU-state dataset;
// score a checkpoint's continuations of each trace's program and first state.
import path from 'node:path';
import { HOME_OPTION, type CommandSpec } from '../framework';
import { resolveHome } from '../../catalogue/paths';
import { resolveCheckpoint } from '../../studio/resolve-checkpoint';
import { UserError } from '../../shared/errors';
import { generateCpuFiles, readCpuFolder } from '../../datasets/cpu';
import { writeTreeAtomic } from '../../datasets/tree';
import { CPU_EXTENSION, PAPER_MAX_LENGTH, PAPER_MIN_LENGTH, evaluateTraces, type Continue, type Evaluation } from '../../formats/cpu';
import { generate, loadInferenceModel } from '../../engine/infer/index';

/** Greedy decoding: accuracy asks for the model's most likely state, not a sample. */
const EVAL_TOP_K = 1;
const EVAL_SEED = 0;

export const cpuGenerate: CommandSpec = {
  name: 'cpu generate',
  summary: 'write a seeded dataset of toy-CPU programs and their state traces (.bin, docs/cpu.md format)',
  usage: 'bgpt cpu generate --programs N [--min-len A --max-len B] [--seed S] --out DIR',
  options: [
    { name: 'programs', type: 'number', description: 'programs to draw', required: true },
    { name: 'min-len', type: 'number', description: 'fewest instructions per program, HLT included', default: PAPER_MIN_LENGTH },
    { name: 'max-len', type: 'number', description: 'most instructions per program, HLT included (at most 256)', default: PAPER_MAX_LENGTH },
    { name: 'seed', type: 'number', description: 'generator seed (mulberry32)', default: 0 },
    { name: 'out', type: 'string', description: 'folder to write (replaced atomically)', required: true },
  ],
  maxPositionals: 0,
  async run(ctx) {
    const o = ctx.opts;
    const files = generateCpuFiles({ programs: o.programs as number, minLength: o.minLen as number, maxLength: o.maxLen as number, seed: o.seed as number });
    const out = path.resolve(o.out as string);
    await writeTreeAtomic(out, files);
    const bytes = [...files.values()].reduce((n, b) => n + b.length, 0);
    ctx.progress(`wrote ${files.size} files (${bytes} bytes) to ${out}`);
    return { out, files: files.size, bytes };
  },
};

/** The checkpoint's greedy continuation of a prompt, as the evaluator asks for it. */
async function checkpointContinuation(dir: string, base: string | null, signal: AbortSignal): Promise<Continue> {
  const model = await loadInferenceModel(dir, { base });
  return async (prompt, maxBytes) => {
    const r = await generate(model, { ext: CPU_EXTENSION, prompt, maxBytes, topK: EVAL_TOP_K, seed: EVAL_SEED, signal });
    if (r.stoppedBy === 'cancelled') throw new UserError('cancelled', 'CANCELLED');
    return r.bytes.subarray(prompt.length);
  };
}

export const cpuEvaluate: CommandSpec = {
  name: 'cpu evaluate',
  summary: "score a checkpoint on CPU-state files: state and byte accuracy of its continuation of each program's trace",
  usage: 'bgpt cpu evaluate --checkpoint DIR|FILE.pth|MODEL|RUN --data DIR [--limit N] [--home DIR]',
  options: [
    { name: 'checkpoint', type: 'string', description: 'checkpoint folder, .pth/.pt file, or a model or run (id or name) of --home', required: true },
    { name: 'data', type: 'string', description: 'folder of .bin CPU-state files', required: true },
    HOME_OPTION,
    { name: 'limit', type: 'number', description: 'evaluate at most this many files (sorted by name)' },
  ],
  maxPositionals: 0,
  async run(ctx): Promise<Evaluation> {
    const limit = ctx.opts.limit as number | undefined;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UserError(`--limit must be a positive integer, got ${limit}`, 'BAD_ARGS');
    const files = await readCpuFolder(ctx.opts.data as string, limit);
    const resolved = await resolveCheckpoint(ctx.opts.checkpoint as string, resolveHome(ctx.opts.home as string | undefined));
    const continueFn = await checkpointContinuation(resolved.path, resolved.base?.path ?? null, ctx.signal);
    let done = 0;
    return evaluateTraces(files, async (prompt, maxBytes) => {
      const out = await continueFn(prompt, maxBytes);
      ctx.progress(`${++done}/${files.length} programs`);
      return out;
    });
  },
  format: (r) => {
    const e = r as Evaluation;
    return `${e.programs} programs: state accuracy ${(e.stateAccuracy * 100).toFixed(2)} %, byte accuracy ${(e.byteAccuracy * 100).toFixed(2)} %`;
  },
};

export const cpuCommands: CommandSpec[] = [cpuGenerate, cpuEvaluate];
