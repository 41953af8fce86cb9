// The engine's cache of loaded inference models (engine-host/model-cache.ts): several models and precisions
// held at once without reloading, a changed weights file reloaded, the least recently used dropped past
// the memory budget (its worker threads ended), the resident bytes counted at each model's precision.
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { ModelCache, residentBytes } from '../../../src-main/engine-host/model-cache';
import { TINY_A_CHECKPOINT } from '../engine/infer/helpers';
import { tempDir } from '../../helpers/temp';

let tmp: string;
let a: string;
let b: string;
beforeAll(async () => {
  tmp = tempDir('bgpt-model-cache-');
  a = path.join(tmp, 'a');
  b = path.join(tmp, 'b');
  await fs.cp(TINY_A_CHECKPOINT, a, { recursive: true });
  await fs.cp(TINY_A_CHECKPOINT, b, { recursive: true });
});

describe('ModelCache', () => {
  it('holds several models and precisions at once and returns them without reloading', async () => {
    const cache = new ModelCache(() => Infinity);
    const a32 = await cache.get(a, 'f32');
    const aq8 = await cache.get(a, 'q8');
    const b32 = await cache.get(b);
    expect(aq8).not.toBe(a32);
    expect(aq8.precision).toBe('q8');
    expect(await cache.get(a, 'f32')).toBe(a32);
    expect(await cache.get(b, 'f32')).toBe(b32);
    expect(await cache.get(a, 'q8')).toBe(aq8);
    expect(cache.held).toHaveLength(3);
    // Q8_0 weights are the smaller: the cache counts each model at its precision.
    expect(residentBytes(aq8)).toBeLessThan(residentBytes(a32));
    expect(cache.bytes).toBe(residentBytes(a32) + residentBytes(aq8) + residentBytes(b32));
    await cache.clear();
  });

  it('reloads a checkpoint whose weights file changed, and drops the old copy', async () => {
    const cache = new ModelCache(() => Infinity);
    const first = await cache.get(a);
    const later = new Date(Date.now() + 5000);
    await fs.utimes(path.join(a, 'model.safetensors'), later, later);
    const second = await cache.get(a);
    expect(second).not.toBe(first);
    expect(cache.held).toHaveLength(1);
    await cache.clear();
  });

  it('drops the least recently used models past its budget, ending their worker threads', async () => {
    let budget = Infinity;
    const cache = new ModelCache(() => budget);
    // tiny-a is small enough to run on one thread by default: ask for two.
    process.env.BGPT_THREADS = '2';
    const old = await cache.get(a, 'f32').finally(() => delete process.env.BGPT_THREADS);
    const workers = old.workerThreads;
    expect(workers).toHaveLength(1);
    const exits = workers.map((w) => once(w, 'exit'));
    const other = await cache.get(b, 'f32');
    expect(cache.held).toHaveLength(2);
    // Room for one float32 model only: the next load keeps just itself (Q8_0 is the smaller).
    budget = residentBytes(other);
    await cache.get(a, 'q8');
    expect(cache.held.map((h) => h.key.split('#')[1])).toEqual(['q8']);
    await Promise.all(exits);
    expect(old.workerThreads).toHaveLength(0);
    await cache.clear();
  });

  it('names a checkpoint that is not there in one line', async () => {
    const cache = new ModelCache();
    await expect(cache.get(path.join(tmp, 'missing'))).rejects.toThrow(/checkpoint .*missing: no such folder/);
  });
});
