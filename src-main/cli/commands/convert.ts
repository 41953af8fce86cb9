// `bgpt convert`: conversion inference as the reference does it (docs/model.md, §3): the input file's
// sequence without its end patch, then the target extension's start patch, then sampling until 256.
import type { CommandSpec } from '../framework';
import { readInputFile } from '../../engine/files';
import { convert, loadInferenceModel, PREFILL_BATCH } from '../../engine/infer/index';
import { assertCheckpointFits, CHECKPOINT_OPTION, PRECISION_OPTION, SAMPLING_OPTIONS, checkpointFlag, formatReport, precisionFlag, samplingFromFlags, writeResult } from './generate';

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
    const checkpoint = await checkpointFlag(ctx);
    await assertCheckpointFits(checkpoint, precision);
    const model = await loadInferenceModel(checkpoint, { batch: PREFILL_BATCH, precision });
    try {
      const to = ctx.opts.to as string;
      const r = await convert(model, { input: input.bytes, inputExt: input.ext, to, ...samplingFromFlags(ctx, to) });
      return await writeResult(ctx, to, r, { conversionInput: input.name, precision });
    } finally {
      await model.dispose();
    }
  },
  format: formatReport,
};
