// `bgpt report`: a checkpoint's report card (docs/music.md, "A report card per checkpoint"): N samples made
// with the sampling defaults of the extension and seeds S, S+1, …, judged (the studio's verdict, abc2midi
// when installed, bars matching the meter, copies of training files) and compared with the training music
// (Yang & Lerch 2020 overlap areas), stored in the catalogue of --home: the studio's ReportCardService,
// the one the Library's button calls.
import { HOME_OPTION, type CommandSpec } from '../framework';
import { UserError } from '../../shared/errors';
import type { ReportCard } from '../../shared/contract';
import { CARD_FIRST_SEED, CARD_SAMPLES } from '../../studio/report-card';
import { CHECKPOINT_OPTION } from './generate';
import { checkpointFlag, withStudio } from '../studio';
import { formatCard } from '../card-format';
import type { GeneratePatchEvent } from '../../engine-host/jobs';

export const reportCommand: CommandSpec = {
  name: 'report',
  summary: "a checkpoint's report card over N samples: valid rate (the studio's verdict, abc2midi when installed, bars matching the meter), copy rate, closeness to the training music (pitch-class, interval and note-length histograms, pitch range, notes per bar; Yang & Lerch 2020 overlap areas)",
  usage: 'bgpt report --checkpoint DIR|FILE.pth|MODEL|RUN [--count N] [--data DATASET] [--ext EXT] [--seed S] [--home DIR]',
  options: [
    CHECKPOINT_OPTION,
    { name: 'count', type: 'number', description: 'samples judged (1..64)', default: CARD_SAMPLES },
    { name: 'data', type: 'string', description: "dataset of --home to compare with (id or name; default: the run's)" },
    { name: 'ext', type: 'string', description: "extension of the samples (default: the dataset's main one, else abc)" },
    { name: 'seed', type: 'number', description: `first sampler seed; the samples use seed, seed + 1, … (default ${CARD_FIRST_SEED}, as npm run quality)`, default: CARD_FIRST_SEED },
    HOME_OPTION,
  ],
  maxPositionals: 0,
  async run(ctx) {
    const count = ctx.opts.count as number;
    if (!(Number.isInteger(count) && count >= 1 && count <= 64)) throw new UserError(`--count must be a whole number from 1 to 64, got ${count}`, 'BAD_ARGS');
    const from = await checkpointFlag(ctx);
    const ext = (ctx.opts.ext as string | undefined)?.replace(/^\./, '').toLowerCase();
    return withStudio(ctx, async (studio) => {
      let datasetId: string | undefined;
      if (ctx.opts.data !== undefined) {
        const d = await studio.datasets.find(ctx.opts.data as string);
        if (!d) throw new UserError(`--data ${ctx.opts.data}: no dataset of that name or id in ${studio.home}`, 'BAD_ARGS');
        datasetId = d.id;
      }
      const bar = ctx.startProgress({ label: 'sampling', unit: 'patches' });
      try {
        return await studio.cards.make(from, { count, datasetId, ext, seed: ctx.opts.seed as number, signal: ctx.signal, onPatch: (e: GeneratePatchEvent) => { if (e.sample === 0) bar.update(e.patches); } });
      } finally {
        bar.finish();
      }
    });
  },
  format: (r) => formatCard(r as ReportCard),
};
