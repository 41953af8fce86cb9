// Crash safety with real processes (docs/ARCHITECTURE.md): a child recording a run is SIGKILLed at random
// moments; after each kill the catalogue is sound, holds no partial rows, shows the run interrupted,
// and the next child resumes from the last checkpoint, until a last child finishes the run.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { BATCH, CHECKPOINT_EVERY, lossAt, readState, sha256 } from './crash-shared';
import { tempHome } from './helpers';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.ts');
const KILLS = 24;
/** Kill moments are drawn from [0, MAX_KILL_DELAY_MS) after the child says it started. */
const MAX_KILL_DELAY_MS = 250;
/** Killed lives train "forever"; the last one is asked to stop a little after where it resumes. */
const ENDLESS = 1_000_000;
const FINAL_EXTRA_STEPS = 3 * CHECKPOINT_EVERY;

/** Seeded kill schedule (mulberry32) so a failing run's schedule can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Life {
  code: number | null;
  signal: NodeJS.Signals | null;
  resumedFrom: number | null;
}

/** Runs one child; kills it `killAfterMs` after it reports 'ready' (never, when null). */
function live(home: string, runId: string, total: number, killAfterMs: number | null): Promise<Life> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, home, runId, String(total)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let resumedFrom: number | null = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready' && killAfterMs !== null) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const m = /^resumed (\d+)$/.exec(line);
    if (m) resumedFrom = Number(m[1]);
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, resumedFrom })));
}

/** Opens the catalogue as the studio would after a crash and checks everything the issue asks. */
async function checkAfterCrash(home: string, runId: string): Promise<{ status: string; started: boolean; resumeStep: number; metrics: number; repaired: number }> {
  const c = await Catalogue.open(home, { checkpointInfo: readState });
  try {
    expect(await c.integrityCheck()).toEqual(['ok']);
    const run = (await c.getRun(runId))!;
    for (const k of await c.listCheckpoints(runId)) {
      expect(k.missing).toBe(false);
      const state = await readState(k.path);
      expect(state.step).toBe(k.step);
      expect(sha256(await fs.readFile(path.join(k.path, 'weights.bin')))).toBe(state.sha256);
    }
    const samples = await c.searchSamples({ runId, includeMissing: true, limit: 500 });
    for (const s of samples.items) {
      expect(s.missing).toBe(false);
      expect(sha256(await fs.readFile(s.path))).toBe((s.params as { sha256: string }).sha256);
    }
    const [series] = await c.metricSeries([runId], 'trainLoss', 1_000_000);
    expect(series.totalPoints % BATCH).toBe(0);
    series.points.forEach((p, i) => {
      expect(p.step).toBe(i + 1);
      expect(p.value).toBe(lossAt(p.step));
    });
    const resume = await c.resumeCheckpoint(runId);
    return { status: run.status, started: run.started !== null, resumeStep: resume?.step ?? 0, metrics: series.totalPoints, repaired: c.lastReconcile!.repairedCheckpoints.length };
  } finally {
    await c.close();
  }
}

describe('crash safety', () => {
  it(`survives ${KILLS} SIGKILLs of a recording process and resumes each time from the last checkpoint`, async () => {
    const home = tempHome();
    const setup = await Catalogue.open(home);
    const runId = (await setup.createRun({ name: 'crashy', mode: 'generative', config: {} })).id;
    await setup.close();
    const next = random(4);
    let expectedResume = 0;
    let repaired = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const life = await live(home, runId, ENDLESS, Math.floor(next() * MAX_KILL_DELAY_MS));
      expect(life.signal).toBe('SIGKILL');
      if (life.resumedFrom !== null) expect(life.resumedFrom).toBe(expectedResume);
      const after = await checkAfterCrash(home, runId);
      // Only a child killed before it ever marked the run running leaves it queued.
      expect(after.status).toBe(after.started ? 'interrupted' : 'queued');
      expectedResume = after.resumeStep;
      repaired += after.repaired;
    }
    const total = expectedResume + FINAL_EXTRA_STEPS;
    const last = await live(home, runId, total, null);
    expect(last).toEqual({ code: 0, signal: null, resumedFrom: expectedResume });
    const end = await checkAfterCrash(home, runId);
    expect(end).toMatchObject({ status: 'done', resumeStep: total, metrics: total });
    console.info(`crash test: resumed at step ${expectedResume} after ${KILLS} kills; ${repaired} checkpoint swap(s) repaired`);
  });
});
