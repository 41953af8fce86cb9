// Shared test fixtures for the inference tests: the tiny-a parity checkpoint, loaded from tests/fixtures.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { configFromJson, type BGPTConfig } from '../../../../src-main/shared/config';
import { readSafetensors, type Tensor } from '../../../../src-main/engine/io/safetensors';

export const TINY_A = path.join(import.meta.dirname, '../../../fixtures/parity/tiny-a');
export const TINY_A_CHECKPOINT = path.join(TINY_A, 'checkpoint');

/** The tiny-a config and tensors (a fresh map each call, so a test may alter it). */
export async function tinyA(): Promise<{ config: BGPTConfig; tensors: Map<string, Tensor> }> {
  const config = configFromJson(JSON.parse(await fs.readFile(path.join(TINY_A_CHECKPOINT, 'config.json'), 'utf8')));
  const { tensors } = await readSafetensors(path.join(TINY_A_CHECKPOINT, 'model.safetensors'));
  return { config, tensors };
}

/** A deep copy of `tensors`, for tests that edit weights. */
export function copyTensors(tensors: Map<string, Tensor>): Map<string, Tensor> {
  return new Map([...tensors].map(([k, t]) => [k, { shape: [...t.shape], data: Float32Array.from(t.data) }]));
}
