// `bgpt train --resume RUN` continues the same catalogue run without --data; --json's eval loss is the
// named checkpoint's and equals `bgpt eval`'s pooled loss on the eval files; crop warnings and a
// too-long prompt's fix are printed (docs/walkthrough.md). Real engine process, real catalogue.
import { describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCommandArgs, runCli } from '../../../src-main/cli/framework';
import { trainCommand } from '../../../src-main/cli/commands/train';
import { createProgress } from '../../../src-main/cli/progress';
import { commands } from '../../../src-main/cli/commands/index';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { tempDir } from '../../helpers/temp';

const DIR = fileURLToPath(new URL('../../fixtures/parity/tiny-a/', import.meta.url));

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(commands, argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

const MODEL = ['--patch-length', '8', '--hidden-size', '32', '--patch-layers', '1', '--byte-layers', '1', '--batch', '2', '--lr', '0.001'];

describe('bgpt train --resume', () => {
  it('continues the same run by id or folder, and reports the eval of the checkpoint it names', async () => {
    const data = tempDir('bgpt-data-');
    cpSync(DIR + 'inputs', data, { recursive: true });
    mkdirSync(data + '/eval');
    writeFileSync(data + '/eval/held-out.md', readFileSync(DIR + 'inputs/apache-2.0-head.md', 'utf8').toUpperCase());
    writeFileSync(data + '/eval/short.txt', 'a short held-out text, shorter than the window');
    const home = tempDir('bgpt-home-');

    // Stopped part-way, as Ctrl-C does: the command's abort signal fires once the first eval is printed.
    const abort = new AbortController();
    let err = '';
    const parsed = parseCommandArgs(trainCommand, ['--data', data, ...MODEL, '--steps', '10', '--eval-every', '2', '--home', home]);
    const sink = { write: (t: string) => { err += t; if (/step \d+: eval loss/.test(err)) abort.abort(); } };
    const a = (await trainCommand.run({ ...parsed, progress: (m) => sink.write(m + '\n'), startProgress: (o) => createProgress({ ...o, sink }), signal: abort.signal })) as Record<string, never>;
    // the fixture files are longer than an 8-patch window: said before training, not after
    expect(err).toMatch(/warning: \d+ of \d+ training files do not fit the 112-byte window whole \(up to 96 bytes do, with their end\) and will be cropped/);
    // The time promise: nothing comparable measured in this fresh home, and said so (shared/eta.ts).
    expect(err).toMatch(/^time: not measured on this machine yet; the bar shows the time left after the first steps$/m);
    expect(err).toMatch(/^training: 1\/10 steps 10%/m);
    expect(a.status).toBe('stopped');
    expect(a.steps).toBeLessThan(10);

    // --json's evalLoss is best/'s, and bgpt eval's pooled loss over the eval files agrees with it
    const evalFiles = readdirSync(data + '/eval').map((f) => `${data}/eval/${f}`);
    const ev = await cli(['eval', '--json', '--checkpoint', a.checkpoint, ...evalFiles]);
    expect(ev.code, ev.err).toBe(0);
    const report = JSON.parse(ev.out.trim());
    expect(a.checkpoint).toMatch(/best$/);
    expect(Math.abs(report.pooledLoss - a.evalLoss)).toBeLessThan(1e-3);
    expect(Math.abs(report.meanLoss - report.pooledLoss)).toBeGreaterThan(0);
    expect(a.evalBitsPerByte).toBeCloseTo(a.evalLoss / Math.LN2, 10);

    // resumed from its last/ folder without --data: the same catalogue run goes on to the end
    const resumed = await cli(['train', '--json', '--resume', `${home}/runs/${a.runId}/last`, '--home', home]);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toMatch(new RegExp(`resumed at step ${a.steps}`));
    const b = JSON.parse(resumed.out.trim());
    expect(b.runId).toBe(a.runId);
    expect(b.steps).toBe(10);
    const catalogue = await Catalogue.open(home);
    expect(await catalogue.listRuns()).toHaveLength(1);
    const metrics = await catalogue.metricSeries([a.runId], 'trainLoss', 1000);
    expect(metrics[0].points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await catalogue.close();

    // by id, once finished: refused in one line
    const done = await cli(['train', '--json', '--resume', a.runId, '--home', home]);
    expect(done.code).toBe(1);
    expect(done.err.trim().split('\n')).toHaveLength(1);
    expect(done.err).toMatch(/has finished/);

    const nothing = await cli(['train', '--resume', 'run_nope', '--home', home]);
    expect(nothing.code).toBe(2);
    expect(nothing.err).toMatch(/no run of that id or folder/);
    const neither = await cli(['train', '--home', home]);
    expect(neither.code).toBe(2);
    expect(neither.err).toMatch(/--resume RUN/);

    // a prompt longer than the window names the fix
    const long = await cli(['generate', '--checkpoint', a.checkpoint, '--ext', 'txt', '--prompt', `${DIR}inputs/gpl3-head.txt`, '--out', `${home}/x.txt`, '--home', home]);
    expect(long.code).toBe(2);
    expect(long.err.trim().split('\n')).toHaveLength(1);
    expect(long.err).toMatch(/give --prompt-bytes 111 \(or fewer\), or use a model trained with --patch-length \d+ or more/);
    const cut = await cli(['generate', '--json', '--checkpoint', a.checkpoint, '--ext', 'txt', '--prompt', `${DIR}inputs/gpl3-head.txt`, '--prompt-bytes', '40', '--max-bytes', '20', '--seed', '1', '--out', `${home}/y.txt`, '--home', home]);
    expect(cut.code, cut.err).toBe(0);
    expect(readFileSync(`${home}/y.txt`).subarray(0, 40)).toEqual(readFileSync(`${DIR}inputs/gpl3-head.txt`).subarray(0, 40));
  });
});
