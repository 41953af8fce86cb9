// `bgpt report`: a checkpoint's report card (docs/music.md, "A report card per checkpoint"): N samples made
// with the sampling defaults of the extension and seeds S, S+1, …, judged (the studio's verdict, abc2midi
// when installed, bars matching the meter, copies of training files) and compared with the training music
// (Yang & Lerch 2020 overlap areas), stored in the catalogue of --home as the studio stores its own cards.
import { HOME_OPTION, type CommandSpec } from '../framework';
import { UserError } from '../../shared/errors';
import { Catalogue } from '../../catalogue/catalogue';
import { resolveHome } from '../../catalogue/paths';
import { generate, loadInferenceModel } from '../../engine/infer/index';
import { samplingDefaults } from '../../shared/recipe';
import type { ReportCard } from '../../shared/contract';
import { CARD_FIRST_SEED, CARD_SAMPLES, mainExt, ownerOf, recordReportCard, type CardSample } from '../../studio/report-card';
import { CHECKPOINT_OPTION, assertCheckpointFits, checkpointFlag } from './generate';
import { formatCard } from '../card-format';

export const reportCommand: CommandSpec = {
  name: 'report',
  summary: "a checkpoint's report card over N samples: valid rate (the studio's verdict, abc2midi when installed, bars matching the meter), copy rate, closeness to the training music (pitch-class, interval and note-length histograms, pitch range, notes per bar; Yang & Lerch 2020 overlap areas)",
  usage: 'bgpt report --checkpoint DIR|FILE.pth|MODEL|RUN [--count N] [--data DATASET] [--ext EXT] [--seed S] [--home DIR]',
  options: [
    CHECKPOINT_OPTION,
    { name: 'count', type: 'number', description: `samples judged (1..64)`, default: CARD_SAMPLES },
    { name: 'data', type: 'string', description: "dataset of --home to compare with (id or name; default: the run's)" },
    { name: 'ext', type: 'string', description: "extension of the samples (default: the dataset's main one, else abc)" },
    { name: 'seed', type: 'number', description: `first sampler seed; the samples use seed, seed + 1, … (default ${CARD_FIRST_SEED}, as npm run quality)`, default: CARD_FIRST_SEED },
    HOME_OPTION,
  ],
  maxPositionals: 0,
  async run(ctx) {
    const count = ctx.opts.count as number;
    if (!(Number.isInteger(count) && count >= 1 && count <= 64)) throw new UserError(`--count must be a whole number from 1 to 64, got ${count}`, 'BAD_ARGS');
    const checkpoint = await checkpointFlag(ctx);
    await assertCheckpointFits(checkpoint);
    const catalogue = await Catalogue.open(resolveHome(ctx.opts.home as string | undefined));
    try {
      let datasetId: string | null = null;
      if (ctx.opts.data !== undefined) {
        const d = await catalogue.getDataset(ctx.opts.data as string);
        if (!d) throw new UserError(`--data ${ctx.opts.data}: no dataset of that name or id in ${catalogue.home}`, 'BAD_ARGS');
        datasetId = d.id;
      }
      datasetId ??= (await ownerOf(catalogue, checkpoint)).datasetId;
      const ext = ((ctx.opts.ext as string | undefined) ?? (await mainExt(catalogue, datasetId))).replace(/^\./, '').toLowerCase();
      const model = await loadInferenceModel(checkpoint);
      const firstSeed = ctx.opts.seed as number;
      const sampling = samplingDefaults(ext);
      const bar = ctx.startProgress({ label: 'sampling', total: count, unit: 'samples' });
      const samples: CardSample[] = [];
      for (let k = 0; k < count; k++) {
        const r = await generate(model, { ext, ...sampling, seed: firstSeed + k, signal: ctx.signal });
        if (r.stoppedBy === 'cancelled') throw new UserError('cancelled; no report card was stored', 'CANCELLED');
        samples.push({ bytes: r.bytes, seed: r.seed, stoppedBy: r.stoppedBy });
        bar.update(k + 1);
      }
      bar.finish();
      return await recordReportCard(catalogue, { checkpoint, ext, samples, sampling: { ...sampling, firstSeed, constrained: true }, datasetId });
    } finally {
      await catalogue.close();
    }
  },
  format: (r) => formatCard(r as ReportCard),
};
