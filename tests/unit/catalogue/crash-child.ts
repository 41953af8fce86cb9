// Child process of crash.test.ts: records a pretend training run the way the studio does (metrics in
// batches, checkpoint folders via writeDirAtomic then rows, samples via writeFileAtomic then rows),
// resuming from the run's last checkpoint. The parent SIGKILLs it at random moments.
// Usage: node --import tsx crash-child.ts HOME RUN_ID TOTAL_STEPS
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { checkpointDir, newId, samplePath } from '../../../src-main/catalogue/paths';
import { writeDirAtomic, writeFileAtomic } from '../../../src-main/node/atomic';
import { BATCH, BEST_EVERY, CHECKPOINT_EVERY, SAMPLE_OFFSET, lossAt, readState, sampleBytes, sha256, weightsAt } from './crash-shared';

async function saveCheckpoint(c: Catalogue, home: string, runId: string, kind: 'last' | 'best', step: number): Promise<void> {
  const dir = checkpointDir(home, runId, kind);
  const weights = weightsAt(step);
  await writeDirAtomic(dir, async (tmp) => {
    await fs.writeFile(path.join(tmp, 'weights.bin'), weights);
    await fs.writeFile(path.join(tmp, 'state.json'), JSON.stringify({ step, evalLoss: lossAt(step), sha256: sha256(weights) }));
  });
  await c.addCheckpoint({ runId, kind, step, path: dir, evalLoss: lossAt(step) });
}

async function saveSample(c: Catalogue, home: string, runId: string, step: number): Promise<void> {
  const id = newId('smp');
  const bytes = sampleBytes(step);
  const file = samplePath(home, id, 'txt');
  await writeFileAtomic(file, bytes);
  await c.addSample({ id, runId, ext: 'txt', path: file, params: { step, sha256: sha256(bytes) }, checkpointStep: step, validity: 'valid' });
}

async function main(): Promise<void> {
  const [home, runId, totalText] = process.argv.slice(2);
  const total = Number(totalText);
  process.stdout.write('ready\n');
  const c = await Catalogue.open(home, { checkpointInfo: readState });
  const resume = await c.resumeCheckpoint(runId);
  const start = resume ? (await readState(resume.path)).step : 0;
  await c.truncateMetrics(runId, start);
  await c.updateRun(runId, { status: 'running', stepsTotal: total });
  process.stdout.write(`resumed ${start}\n`);
  let batch: Array<{ step: number; trainLoss: number; lr: number }> = [];
  for (let step = start + 1; step <= total; step++) {
    batch.push({ step, trainLoss: lossAt(step), lr: 1e-3 });
    if (step % BATCH === 0) {
      await c.appendMetrics(runId, batch);
      await c.updateRun(runId, { stepsDone: step });
      batch = [];
    }
    if (step % CHECKPOINT_EVERY === 0) await saveCheckpoint(c, home, runId, 'last', step);
    if (step % BEST_EVERY === 0) await saveCheckpoint(c, home, runId, 'best', step);
    if (step % CHECKPOINT_EVERY === SAMPLE_OFFSET) await saveSample(c, home, runId, step);
  }
  await c.updateRun(runId, { status: 'done', stepsDone: total });
  await c.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`crash-child: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
