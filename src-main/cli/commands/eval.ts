// `bgpt eval --checkpoint DIR FILE...` (DESIGN §3): each file's loss alone, as the reference computes it.
import { HOME_OPTION, type CommandSpec } from '../framework';
import { resolveHome } from '../../catalogue/paths';
import { resolveCheckpoint } from '../../studio/resolve-checkpoint';
import { evaluate } from '../../engine/evaluate';
import { readInputFile } from '../../engine/files';
import type { EvalReport } from '../../engine/evaluate';

export const evalCommand: CommandSpec = {
  name: 'eval',
  summary: 'loss and bits per byte of files under a checkpoint',
  usage: 'bgpt eval --checkpoint DIR|FILE.pth|MODEL|RUN FILE... [--home DIR]',
  options: [{ name: 'checkpoint', type: 'string', description: 'checkpoint folder, .pth/.pt file, or a model or run (id or name) of --home', required: true }, HOME_OPTION],
  minPositionals: 1,
  async run(ctx) {
    const files = [];
    for (const p of ctx.positionals) files.push(await readInputFile(p));
    const checkpoint = (await resolveCheckpoint(ctx.opts.checkpoint as string, resolveHome(ctx.opts.home as string | undefined))).path;
    const report = await evaluate({ checkpoint, files });
    for (const w of report.warnings) ctx.progress(`warning: ${w}`);
    return report;
  },
  format(result) {
    const r = result as EvalReport;
    const lines = r.files.map((f) => `${f.path}: ${f.loss.toFixed(4)} nats/byte, ${f.bitsPerByte.toFixed(4)} bits/byte (${f.patches} patches)`);
    lines.push(`mean: ${r.meanLoss.toFixed(4)} nats/byte, ${r.meanBitsPerByte.toFixed(4)} bits/byte [${r.backend}]`);
    return lines.join('\n');
  },
};
