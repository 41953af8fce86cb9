// `bgpt convert`: conversion inference as the reference does it (docs/model.md, §3): the input file's
// sequence without its end patch, then the target extension's start patch, then sampling until 256.
// The studio's generation service runs it (a generate request with an input), as for the desktop app.
import path from 'node:path';
import type { CommandSpec } from '../framework';
import { readInputFile } from '../../node/input-file';
import { requests } from '../../shared/contract';
import { UserError } from '../../shared/errors';
import { checkpointFlag } from '../studio';
import { CHECKPOINT_OPTION, PRECISION_OPTION, SAMPLING_OPTIONS, formatReport, precisionFlag, runGeneration, samplingFromFlags } from './generate';

export const convertCommand: CommandSpec = {
  name: 'convert',
  summary: 'convert a file to another format with a conversion checkpoint (e.g. one trained with --conversion abc->mid)',
  usage: 'bgpt convert --checkpoint DIR|FILE.pth|MODEL|RUN --to EXT INPUT --out FILE [--max-bytes N] [--top-k K] [--top-p P] [--temperature T] [--seed S] [--precision f32|f16|q8]',
  options: [
    CHECKPOINT_OPTION,
    { name: 'to', type: 'string', description: 'extension of the file to make, e.g. mid', required: true },
    PRECISION_OPTION,
    ...SAMPLING_OPTIONS,
  ],
  minPositionals: 1,
  maxPositionals: 1,
  async run(ctx) {
    const input = await readInputFile(ctx.positionals[0]);
    const precision = precisionFlag(ctx);
    const to = requests.generateRequest.shape.ext.safeParse(ctx.opts.to);
    if (!to.success) throw new UserError(`--to ${String(ctx.opts.to)}: ${to.error.issues[0].message}`, 'BAD_ARGS');
    return runGeneration(ctx, {
      from: await checkpointFlag(ctx), ext: to.data, input: { name: path.basename(input.name), bytes: input.bytes },
      sampling: samplingFromFlags(ctx), count: 1, precision,
    });
  },
  format: formatReport,
};
