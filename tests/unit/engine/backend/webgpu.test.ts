import { describe, it, expect } from 'vitest';
import { lacks } from '../../../helpers/system';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { engineInfo, initBackend } from '../../../../src-main/engine/backend/backend';
import { dropThreshold, hostMask, maskHash } from '../../../../src-main/engine/backend/dropout';
// Through model.ts, which registers the engine's gradients (Sum, Multiply).
import { Dropout } from '../../../../src-main/engine/model/model';
import { deriveSeed } from '../../../../src-main/engine/model/rng';
import { ops } from '../../../../src-main/engine/backend/ops';
import { requireWebGpu } from './webgpu-required';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DIR = ROOT + 'tests/fixtures/parity/tiny-a/';
const expected = JSON.parse(readFileSync(DIR + 'expected.json', 'utf8')) as Record<string, { loss: number; num_patches: number }>;
const run = promisify(execFile);

/** `bgpt eval --json` on the parity fixture in a fresh process, with `env` added. */
async function cliEval(env: Record<string, string>): Promise<{ report: { backend: string; files: { path: string; loss: number; patches: number }[] }; stderr: string }> {
  const files = Object.keys(expected).map((n) => DIR + n);
  const base = { ...process.env };
  delete base.BGPT_BACKEND;
  const r = await run(process.execPath, [ROOT + 'bin/bgpt.js', 'eval', '--json', '--checkpoint', DIR + 'checkpoint', ...files], { env: { ...base, ...env }, cwd: ROOT });
  return { report: JSON.parse(r.stdout.trim().split('\n').pop() as string), stderr: r.stderr };
}

describe.skipIf(lacks('webgpu'))('webgpu backend', () => {
  it('reports its adapter (vendor, device, software or not, limits)', async () => {
    await requireWebGpu();
    const info = engineInfo();
    expect(info.backend).toBe('webgpu');
    expect(info.adapter?.vendor).toMatch(/\S/);
    expect(typeof info.adapter?.software).toBe('boolean');
    expect(info.adapter?.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    expect(info.adapter?.maxBufferSize).toBeGreaterThanOrEqual(info.adapter?.maxStorageBufferBindingSize as number);
  });

  it('BGPT_BACKEND=webgpu bgpt eval matches the reference fixture (1e-4)', async () => {
    const { report } = await cliEval({ BGPT_BACKEND: 'webgpu' });
    expect(report.backend).toBe('webgpu');
    expect(report.files).toHaveLength(Object.keys(expected).length);
    for (const f of report.files) {
      const e = expected[f.path.slice(DIR.length)];
      expect(Math.abs(f.loss - e.loss)).toBeLessThan(1e-4);
      expect(f.patches).toBe(e.num_patches);
    }
  }, 400_000);

  it('is passed over automatically only for a software adapter, with one line saying why', async () => {
    await requireWebGpu();
    const { report, stderr } = await cliEval({});
    if (engineInfo().adapter?.software) {
      expect(report.backend).not.toBe('webgpu');
      expect(stderr).toMatch(/^bgpt: webgpu: only a software adapter \(.+\), slower than wasm; BGPT_BACKEND=webgpu forces it; using \w+$/m);
    } else {
      expect(report.backend).toBe('webgpu');
    }
  }, 400_000);
});

/** x with the next mask of `d`, through the backend's ops as the model applies it. */
function applyDropout<T extends tf.Tensor>(d: Dropout, x: T): T {
  return ops().dropout(x, d.nextKey(), d.rate);
}

describe.skipIf(lacks('webgpu'))('dropout masks made on the device', () => {
  it('the WGSL kernel gives bit for bit the host mask of the same key, forward and backward', async () => {
    await requireWebGpu();
    const n = 70_001; // not a multiple of the workgroup, so the bounds check is exercised
    const rate = 0.1;
    const seed = 1234;
    const flat = tf.randomNormal([n], 0, 1, 'float32', 3);
    const xs = (await flat.data()) as Float32Array;
    const before = tf.memory().numTensors;
    const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => tf.sum(tf.mul(applyDropout(new Dropout(rate, seed), t), 3)))([flat]);
    const yT = tf.tidy(() => applyDropout(new Dropout(rate, seed), flat));
    const y = (await yT.data()) as Float32Array;
    const g = (await grads[0].data()) as Float32Array;
    tf.dispose([yT, value, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
    const mask = hostMask(deriveSeed(seed, 0), n, rate);
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      expect(y[i]).toBe(Math.fround(xs[i] * mask[i]));
      expect(g[i]).toBe(Math.fround(3 * mask[i]));
      if (mask[i] === 0) dropped += 1;
    }
    // P(drop) = rate; 5 standard deviations of a binomial.
    expect(Math.abs(dropped - n * rate)).toBeLessThan(5 * Math.sqrt(n * rate * (1 - rate)));
    flat.dispose();
  });

  it('gives each call of a stream its own mask, and the same masks on cpu as on webgpu', async () => {
    await requireWebGpu();
    const ones = tf.ones([4096]);
    const d = new Dropout(0.5, 77);
    const [a, b] = [tf.tidy(() => applyDropout(d, ones)), tf.tidy(() => applyDropout(d, ones))];
    const first = (await a.data()) as Float32Array;
    const second = (await b.data()) as Float32Array;
    tf.dispose([ones, a, b]);
    expect(first).not.toEqual(second);
    await initBackend('cpu');
    const again = new Dropout(0.5, 77);
    const cpuOnes = tf.ones([4096]);
    const [c, e] = [tf.tidy(() => applyDropout(again, cpuOnes)), tf.tidy(() => applyDropout(again, cpuOnes))];
    expect(c.dataSync()).toEqual(first);
    expect(e.dataSync()).toEqual(second);
    tf.dispose([cpuOnes, c, e]);
  });

  it('keeps 0 at 0 and drops nothing at rate 0', () => {
    // lowbias32 maps 0 to 0 (xor-shifts and products of zero), so key 0, index 0 hashes to 0.
    expect(maskHash(0, 0)).toBe(0);
    expect(maskHash(5, 1)).not.toBe(maskHash(5, 2));
    expect(dropThreshold(0)).toBe(0);
    expect(hostMask(9, 1000, 0).every((v) => v === 1)).toBe(true);
  });
});
