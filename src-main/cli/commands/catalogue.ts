// `bgpt catalogue recover`: the user's way out of a damaged catalogue (docs/ARCHITECTURE.md): moves the file
// aside and rebuilds it from the dataset manifests, run folders and sample sidecars.
import { HOME_OPTION, type CommandSpec } from '../framework';
import { Catalogue } from '../../catalogue/catalogue';
import { resolveHome } from '../../catalogue/paths';
import type { RecoveryReport } from '../../catalogue/types';

export const catalogueRecover: CommandSpec = {
  name: 'catalogue recover',
  summary: 'move a damaged catalogue aside and rebuild it from the files in the studio home',
  usage: 'bgpt catalogue recover [--home DIR] [--force]',
  options: [
    HOME_OPTION,
    { name: 'force', type: 'boolean', description: 'rebuild even a catalogue that opens fine (its metrics are lost)' },
  ],
  maxPositionals: 0,
  async run({ opts, progress }) {
    const home = resolveHome(opts.home as string | undefined);
    progress(`rebuilding the catalogue of ${home}`);
    const report = await Catalogue.recover(home, { force: opts.force === true });
    // Opening once reconciles the rebuilt rows with the files (flags what is missing).
    const catalogue = await Catalogue.open(home);
    await catalogue.close();
    return report;
  },
  format(r) {
    const x = r as RecoveryReport;
    const lines = [
      x.movedTo ? `damaged catalogue moved to ${x.movedTo}` : 'no catalogue file was there; built a new one',
      `rebuilt ${x.datasets} datasets (${x.datasetFiles} files), ${x.runs} runs (${x.checkpoints} checkpoints), ${x.samples} samples; metrics cannot be rebuilt`,
    ];
    for (const s of x.skipped) lines.push(`  skipped ${s.path}: ${s.reason}`);
    return lines.join('\n');
  },
};
