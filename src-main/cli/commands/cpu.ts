// `bgpt cpu generate` and `bgpt cpu evaluate` (docs/cli.md, docs/cpu.md): write a seeded CPU-state dataset;
// score a checkpoint's continuations of each trace's program and first state (the studio's scoring service).
import path from 'node:path';
import { HOME_OPTION, type CommandSpec } from '../framework';
import { UserError } from '../../shared/errors';
import { generateCpuFiles, readCpuFolder } from '../../datasets/cpu';
import { writeTreeAtomic } from '../../datasets/tree';
import { PAPER_MAX_LENGTH, PAPER_MIN_LENGTH, type Evaluation } from '../../formats/cpu';
import { checkpointFlag, withScoring } from '../studio';

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
    const from = await checkpointFlag(ctx);
    return withScoring(ctx, from, (scoring) => scoring.evaluateCpu(from, files, { signal: ctx.signal, onProgress: (done, total) => ctx.progress(`${done}/${total} programs`) }));
  },
  format: (r) => {
    const e = r as Evaluation;
    return `${e.programs} programs: state accuracy ${(e.stateAccuracy * 100).toFixed(2)} %, byte accuracy ${(e.byteAccuracy * 100).toFixed(2)} %`;
  },
};

export const cpuCommands: CommandSpec[] = [cpuGenerate, cpuEvaluate];
