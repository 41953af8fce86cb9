// Data-parallel gradients on a second core: TF.js's wasm backend runs one thread in Node (docs/performance.md),
// so a worker thread with its own backend computes the gradients of part of each batch while the
// main thread computes the rest; the two are combined weighted by their predicted positions, so the
// result is the gradient of the reference's batch-mean loss.
import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startEntryWorker } from '../../node/entry-worker';
import type { BGPTConfig } from '../../shared/config';
import { singleThreaded, type BackendName } from '../backend/backend';
import type { BGPTModel } from '../io/checkpoint';
import { makeBatch } from '../model/batch';
import { chunkedGradients, type DropoutFactory } from './chunked';
import { Dropout } from '../model/dropout';
import { ops } from '../backend/ops';
import { deriveSeed } from '../model/rng';
import { trainableSpecs } from '../model/weights';

export type WorkerRequest =
  | { kind: 'init'; config: BGPTConfig; backend: BackendName }
  | { kind: 'grads'; weights: Float32Array[]; seqs: Int32Array[]; dropout: DropoutSpec | null };

/** Dropout of one batch: the rate and the seed its masks are drawn from. */
export interface DropoutSpec {
  rate: number;
  seed: number;
}

/** The dropout masks of each half of a batch, and of each level, come from their own stream of the batch's seed. */
export function halfDropout(spec: DropoutSpec | null, half: 0 | 1): DropoutFactory {
  return (stream) => (spec && spec.rate > 0 ? new Dropout(spec.rate, deriveSeed(spec.seed, half, stream)) : undefined);
}

export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'grads'; loss: number; grads: Float32Array[] }
  | { kind: 'error'; message: string };


/**
 * Whether a helper pays off: the single-threaded backends (wasm, cpu) on a machine with a spare core.
 * The native backends already use every core.
 */
export function helperUseful(backend: BackendName): boolean {
  return singleThreaded(backend) && availableParallelism() >= 2;
}

/**
 * Whether to start the helper for a run: asked for (default: when it pays off), batches of two or
 * more, and a single-threaded backend. Never on the GPU backends: one process drives the GPU, and a
 * second TF.js webgpu instance in a thread would only compete for it.
 */
export function helperWanted(backend: BackendName, parallel: boolean | undefined, batch: number): boolean {
  return singleThreaded(backend) && (parallel ?? helperUseful(backend)) && batch > 1;
}

/** One gradient worker thread, used one request at a time. */
export class GradHelper {
  private readonly worker: Worker;
  private readonly names: string[];
  private pending: { resolve(r: WorkerReply): void; reject(e: Error): void } | null = null;

  private constructor(config: BGPTConfig) {
    this.worker = startEntryWorker('grad-worker'); // out/node/grad-worker.js, or the source through tsx
    this.names = trainableSpecs(config).map((s) => s.name);
    this.worker.on('message', (r: WorkerReply) => this.settle(r));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`gradient worker exited with code ${code}`)));
  }

  /** Starts a worker with a replica of `config` on `backend`. */
  static async start(config: BGPTConfig, backend: BackendName): Promise<GradHelper> {
    const h = new GradHelper(config);
    try {
      await h.request({ kind: 'init', config, backend });
    } catch (err) {
      await h.close();
      throw err;
    }
    return h;
  }

  /**
   * A helper when one pays off and can start, else null; a failed start is reported through
   * `warn` (training then runs on one thread, with the same results).
   */
  static async maybeStart(config: BGPTConfig, backend: BackendName, wanted: boolean, warn: (line: string) => void): Promise<GradHelper | null> {
    if (!wanted) return null;
    try {
      return await GradHelper.start(config, backend);
    } catch (err) {
      warn(`gradient worker unavailable (${err instanceof Error ? err.message : String(err)}); training on one thread`);
      return null;
    }
  }

  private settle(r: WorkerReply): void {
    const p = this.pending;
    this.pending = null;
    if (r.kind === 'error') p?.reject(new Error(`gradient worker: ${r.message}`));
    else p?.resolve(r);
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }

  private request(msg: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(msg, transfer);
    });
  }

  /** Reads the current weights off the backend (before the main thread starts its own work). */
  async readWeights(model: BGPTModel): Promise<Float32Array[]> {
    const weights: Float32Array[] = [];
    for (const n of this.names) weights.push((await (model.vars.get(n) as tf.Variable).data()) as Float32Array);
    return weights;
  }

  /**
   * Posts `weights` and `seqs` at once; resolves with the mean loss over those sequences and its
   * gradients by variable name. The weights' buffers are transferred (unusable afterwards).
   */
  gradients(weights: Float32Array[], seqs: Int32Array[], dropout: DropoutSpec | null): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
    return this.request({ kind: 'grads', weights, seqs, dropout }, weights.map((w) => w.buffer as ArrayBuffer)).then((r) => {
      if (r.kind !== 'grads') throw new Error('gradient worker: unexpected reply');
      return { loss: r.loss, grads: new Map(this.names.map((n, i) => [n, r.grads[i]])) };
    });
  }

  async close(): Promise<void> {
    this.pending = null;
    await this.worker.terminate();
  }
}

/** Predicted byte positions of sequences: the weight of their mean loss in a batch mean. */
function positions(seqs: Int32Array[], patchSize: number): number {
  return seqs.reduce((a, s) => a + s.length - patchSize, 0);
}

/** Mean loss and gradients of `seqs` on this thread (byte level in chunks, see chunked.ts). */
export function localGradients(model: BGPTModel, seqs: Int32Array[], dropout: DropoutFactory): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  return chunkedGradients(ops(), model.weights, model.config, model.vars, makeBatch(seqs, model.config.patchSize), dropout);
}

/**
 * Mean loss and its gradients over a batch, the second half computed by `helper` when there is one:
 * g = (n1·g1 + n2·g2) / (n1 + n2) with n the predicted positions of each half.
 */
export async function batchGradients(
  model: BGPTModel, seqs: Int32Array[], helper: GradHelper | null, dropout: DropoutSpec | null = null,
): Promise<{ loss: number; grads: Map<string, tf.Tensor> }> {
  if (!helper || seqs.length < 2) {
    const { loss, grads } = localGradients(model, seqs, halfDropout(dropout, 0));
    const value = (await loss.data())[0];
    loss.dispose();
    return { loss: value, grads };
  }
  const half = Math.ceil(seqs.length / 2);
  const [mine, theirs] = [seqs.slice(0, half), seqs.slice(half)];
  const remote = helper.gradients(await helper.readWeights(model), theirs, dropout);
  const local = localGradients(model, mine, halfDropout(dropout, 0));
  const localLoss = (await local.loss.data())[0];
  local.loss.dispose();
  const other = await remote;
  const n1 = positions(mine, model.config.patchSize);
  const n2 = positions(theirs, model.config.patchSize);
  const grads = new Map<string, tf.Tensor>();
  for (const [name, g] of local.grads) {
    const theirsGrad = other.grads.get(name) as Float32Array;
    grads.set(name, tf.tidy(() => tf.div(tf.add(tf.mul(g, n1), tf.mul(tf.tensor(theirsGrad, g.shape), n2)), n1 + n2)));
    g.dispose();
  }
  return { loss: (localLoss * n1 + other.loss * n2) / (n1 + n2), grads };
}
