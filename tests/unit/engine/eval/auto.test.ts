// `bgpt eval` picks the inference kernels by itself when the TF.js estimate does not fit (docs/pytorch.md
// item 6): the paper model against wasm's 4 GiB, and the tiny parity model under an injected
// BGPT_MEMORY_LIMIT, whose losses must equal the TF.js path's; a malformed limit is one line; the
// engine method behind the Models view's "evaluate a dataset" chooses the same way.
import { afterEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../../src-main/cli/framework';
import { evalCommand } from '../../../../src-main/cli/commands/eval';
import { chooseEvalEngine, evaluationConfig } from '../../../../src-main/engine/eval/auto';
import { memoryLimits, userMemoryLimit, WASM_MEMORY_BYTES } from '../../../../src-main/engine/backend/resources';
import { configFromJson, estimateEvaluationMemoryBytes, estimateInferenceMemoryBytes, presetConfig } from '../../../../src-main/shared/config';
import { JobControl, engineMethods, type MethodContext } from '../../../../src-main/engine-host/methods';
import { TINY_A, TINY_A_CHECKPOINT } from '../infer/helpers';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([evalCommand], argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!);

afterEach(() => {
  delete process.env.BGPT_MEMORY_LIMIT;
});

describe('bgpt eval engine choice', () => {
  it('sends the paper model to the kernels on wasm, and keeps TF.js for a small one', () => {
    const lots = 64 * 2 ** 30;
    const paper = presetConfig('paper');
    expect(estimateEvaluationMemoryBytes(paper)).toBeGreaterThan(WASM_MEMORY_BYTES);
    const c = chooseEvalEngine(paper, memoryLimits('wasm', lots), false);
    expect(c.kernels).toBe(true);
    expect(c.reason).toMatch(/wasm backend's 4 GiB.*wasm-simd/);
    expect(chooseEvalEngine(paper, memoryLimits('cpu', lots), false).kernels).toBe(false);
    expect(chooseEvalEngine(presetConfig('tiny'), memoryLimits('wasm', lots), false)).toEqual({ kernels: false });
    expect(chooseEvalEngine(presetConfig('tiny'), memoryLimits('wasm', lots), true).kernels).toBe(true);
    // Not even the kernels fit: refused before anything loads.
    expect(() => chooseEvalEngine(paper, memoryLimits('wasm', 100 * 2 ** 20), false)).toThrow(/needs about .* of available RAM/);
  });

  it('reads BGPT_MEMORY_LIMIT sizes and refuses a malformed one', () => {
    expect(userMemoryLimit(undefined)).toBeNull();
    expect(userMemoryLimit('1.5G')).toBe(1.5 * 2 ** 30);
    expect(userMemoryLimit('512MiB')).toBe(512 * 2 ** 20);
    expect(userMemoryLimit('4096')).toBe(4096);
    expect(() => userMemoryLimit('lots')).toThrow(/BGPT_MEMORY_LIMIT='lots' is not a size/);
  });

  it('scores on the kernels under a limit TF.js does not fit, with the TF.js losses', async () => {
    const expected = JSON.parse(await fs.readFile(path.join(TINY_A, 'expected.json'), 'utf8')) as Record<string, unknown>;
    const files = Object.keys(expected).map((n) => path.join(TINY_A, n));
    const plain = await cli('eval', '--checkpoint', TINY_A_CHECKPOINT, ...files, '--json');
    expect(plain.code, plain.stderr).toBe(0);
    const tfjs = lastJson(plain.stdout);
    expect(tfjs.backend).not.toBe('wasm-simd');

    const config = configFromJson(JSON.parse(await fs.readFile(path.join(TINY_A_CHECKPOINT, 'config.json'), 'utf8')));
    const between = Math.round((estimateEvaluationMemoryBytes(config) * 0.9 + 2 * estimateInferenceMemoryBytes(config) / 0.9) / 2);
    expect(between).toBeGreaterThan(2 * estimateInferenceMemoryBytes(config) / 0.9);
    process.env.BGPT_MEMORY_LIMIT = String(between);
    const limited = await cli('eval', '--checkpoint', TINY_A_CHECKPOINT, ...files, '--json');
    expect(limited.code, limited.stderr).toBe(0);
    expect(limited.stderr).toMatch(/more than BGPT_MEMORY_LIMIT allows: scoring on the inference kernels \(wasm-simd\)/);
    const kernels = lastJson(limited.stdout);
    expect(kernels.backend).toBe('wasm-simd');
    expect(kernels.files).toHaveLength(tfjs.files.length);
    kernels.files.forEach((f: { loss: number; patches: number }, i: number) => {
      expect(Math.abs(f.loss - tfjs.files[i].loss)).toBeLessThan(1e-4);
      expect(f.patches).toBe(tfjs.files[i].patches);
    });
  }, 120_000);

  it('chooses the same way for the Models view\'s evaluate (the engine method)', async () => {
    const expected = JSON.parse(await fs.readFile(path.join(TINY_A, 'expected.json'), 'utf8')) as Record<string, { loss: number }>;
    const names = Object.keys(expected);
    const files = await Promise.all(names.map(async (n) => ({ name: n, ext: path.extname(n).slice(1), bytes: new Uint8Array(await fs.readFile(path.join(TINY_A, n))) })));
    const job = { checkpoint: path.join(TINY_A, 'model.pth'), files };
    const ctx: MethodContext = { control: new JobControl(), emit: () => {} };
    const tfjs = await engineMethods.evaluate(job, ctx);
    expect(tfjs.backend).not.toBe('wasm-simd');
    process.env.BGPT_MEMORY_LIMIT = '1';
    // Not even the kernels fit one byte: refused in one line before loading.
    await expect(engineMethods.evaluate(job, ctx)).rejects.toThrow(/needs about .* of BGPT_MEMORY_LIMIT it may use/);
    const config = await evaluationConfig(job.checkpoint);
    process.env.BGPT_MEMORY_LIMIT = String(Math.round((estimateEvaluationMemoryBytes(config) * 0.9 + 2 * estimateInferenceMemoryBytes(config) / 0.9) / 2));
    const kernels = await engineMethods.evaluate(job, ctx);
    expect(kernels.backend).toBe('wasm-simd');
    names.forEach((n, i) => {
      expect(Math.abs(kernels.files[i].loss - expected[n].loss)).toBeLessThan(1e-4);
      expect(Math.abs(tfjs.files[i].loss - expected[n].loss)).toBeLessThan(1e-4);
    });
  }, 120_000);
});
