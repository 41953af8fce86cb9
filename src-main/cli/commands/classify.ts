// `bgpt classify --checkpoint X FILE...` (docs/cli.md): each file's label and the probability of every
// label under a classifier (a studio classifier folder, a reference classification .pth, or a
// classification run of --home); long files are classified by their head window. The studio's scoring
// service labels them, as for the Classify view.
import type { CommandSpec } from '../framework';
import { HOME_OPTION } from '../framework';
import { readInputFile, type InputFile } from '../../node/input-file';
import type { ClassifyResult } from '../../shared/contract';
import { checkpointFlag, withScoring } from '../studio';

export const classifyCommand: CommandSpec = {
  name: 'classify',
  summary: 'label files with a classifier: the top label and every label\'s probability',
  usage: 'bgpt classify --checkpoint X FILE... [--home DIR]',
  options: [
    { name: 'checkpoint', type: 'string', description: 'classifier: checkpoint folder (config.json + model.safetensors + labels.json), reference .pth with labels, or a run id or name', required: true },
    HOME_OPTION,
  ],
  minPositionals: 1,
  async run(ctx) {
    const from = await checkpointFlag(ctx);
    const files: InputFile[] = [];
    for (const p of ctx.positionals) files.push(await readInputFile(p));
    const r = await withScoring(ctx, from, (scoring) => scoring.classify(from, files));
    for (const w of r.warnings) ctx.progress(`warning: ${w}`);
    return { labels: r.labels, files: r.files, backend: r.backend };
  },
  format(result) {
    const r = result as ClassifyResult;
    return r.files.map((f) => {
      const top = Object.entries(f.probabilities).sort((a, b) => b[1] - a[1]).slice(0, 3);
      return `${f.path}: ${f.label} (${top.map(([l, p]) => `${l} ${(100 * p).toFixed(1)} %`).join(', ')})`;
    }).join('\n');
  },
};
