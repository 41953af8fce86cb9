// Data-parallel gradients on a second core: TF.js's wasm backend runs one thread in Node
// (docs/performance.md), so a worker thread with its own backend and a replica of the model computes
// part of each update while the main thread computes the rest: a group of windows of its own, or,
// when a pass is one window (which cannot be halved), the byte level of the window's last target
// patches from their patch features. Every share returns Σ weight·loss·scale, so the shares' sums
// are the gradient of the reference's batch-mean loss. A LoRA run sends the frozen base once, at
// the start, and then only the trainable tensors; full fine-tuning sends every weight each update.
import * as tf from '@tensorflow/tfjs-core';
import type { Worker } from 'node:worker_threads';
import { startEntryWorker } from '../../node/entry-worker';
import type { BGPTConfig } from '../../shared/config';
import type { LoraSettings } from '../../checkpoint/adapter';
import type { Ops } from '../backend/ops';
import type { BackendName } from '../backend/backend';
import { gradientThreads, singleThreaded } from '../backend/resources';
import { Dropout } from '../model/dropout';
import type { Pass } from '../model/model';
import { deriveSeed } from '../model/rng';
import type { GradPlan, Grads, Trainables } from './gradients';

/** Dropout of one share of an update: the rates and the seed its masks are drawn from. */
export interface DropoutSpec {
  rate: number;
  loraRate: number;
  seed: number;
}

/** The Pass of a share: GPT-2's and LoRA's dropout streams of its seed (absent at rate 0). */
export function passOf(spec: DropoutSpec, ops: Ops): Pass {
  return {
    ops,
    dropout: spec.rate > 0 ? new Dropout(spec.rate, deriveSeed(spec.seed, 0)) : undefined,
    loraDropout: spec.loraRate > 0 ? new Dropout(spec.loraRate, deriveSeed(spec.seed, 1)) : undefined,
  };
}

/** Which task's gradients the worker computes, and the replica it needs. */
export interface WorkerInit {
  task: 'generative' | 'classifier';
  backend: BackendName;
  config: BGPTConfig;
  /** Classifier labels (their count shapes the head). */
  labels: string[] | null;
  lora: LoraSettings | null;
  /** The trainable tensors' names, in the order weights and gradients are sent. */
  names: string[];
  /**
   * LoRA: the frozen base arrives first, one tensor per message (so neither thread ever holds a second
   * copy of it in JavaScript), and the replica is built from it; full fine-tuning: false (every weight
   * is sent each update, the replica starts random).
   */
  streamedBase: boolean;
  /**
   * The worker only ever gets one-window shares' byte level (a batch of one window): it is sent the
   * byte-level base only, and the patch level's tensors are empty placeholders (a third of the memory).
   */
  byteLevelOnly?: boolean;
}

/** One base tensor for the replica, by reference name. */
export type BaseTensor = [name: string, shape: number[], data: Float32Array];

export type Work =
  | { kind: 'examples'; examples: unknown[]; scale: number; dropout: DropoutSpec; plan: GradPlan }
  | { kind: 'bytes'; seqs: Int32Array[]; from: number; count: number; features: Float32Array; scale: number; dropout: DropoutSpec; plan: GradPlan; needDFeatures: boolean };

export type WorkerRequest =
  | { kind: 'backend'; backend: BackendName }
  | { kind: 'base'; tensor: BaseTensor }
  | ({ kind: 'init' } & WorkerInit)
  | { kind: 'grads'; weights: Float32Array[] | null; work: Work };

export interface WorkerResult {
  loss: number;
  right: number;
  grads: Map<string, Float32Array>;
  dFeatures: Float32Array | null;
}

export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'grads'; loss: number; right: number; grads: Float32Array[]; dFeatures: Float32Array | null }
  | { kind: 'error'; message: string };


/** Whether a helper pays off: a single-threaded backend (wasm, cpu) on a machine with a spare core. */
export function helperUseful(backend: BackendName): boolean {
  return gradientThreads(backend) === 2;
}

/**
 * Whether to start the helper for a run: asked for (default: when it pays off) on a single-threaded
 * backend. Never on the GPU backends: one process drives the GPU, and a second TF.js webgpu instance
 * in a thread would only compete for it. `oneWindowSplits`: the task can share a one-window batch
 * (the generative byte level); a classifier needs two windows.
 */
export function helperWanted(backend: BackendName, parallel: boolean | undefined, batch: number, oneWindowSplits = true): boolean {
  return singleThreaded(backend) && (parallel ?? helperUseful(backend)) && (batch > 1 || oneWindowSplits);
}

/** One gradient worker thread, used one request at a time. */
export class GradHelper {
  private readonly worker: Worker;
  private pending: { resolve(r: WorkerReply): void; reject(e: Error): void } | null = null;
  /** The optimizer step whose weights the worker holds (weights are sent once per update). */
  private weightsAt = -1;

  private constructor(private readonly names: string[]) {
    this.worker = startEntryWorker('grad-worker'); // out/node/grad-worker.js, or the source through tsx
    this.worker.on('message', (r: WorkerReply) => this.settle(r));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`gradient worker exited with code ${code}`)));
  }

  /**
   * Starts a worker with a replica of the model: with `init.streamedBase`, `base` yields every base
   * tensor (each buffer is transferred, one at a time).
   */
  static async start(init: WorkerInit, base?: () => AsyncIterable<BaseTensor>): Promise<GradHelper> {
    const h = new GradHelper(init.names);
    try {
      await h.request({ kind: 'backend', backend: init.backend });
      if (init.streamedBase && base) for await (const t of base()) await h.request({ kind: 'base', tensor: t }, [t[2].buffer as ArrayBuffer]);
      await h.request({ kind: 'init', ...init });
    } catch (err) {
      await h.close();
      throw err;
    }
    return h;
  }

  /**
   * A helper when one is wanted and can start, else null; a failed start is reported through
   * `warn` (training then runs on one thread, with the same results).
   */
  static async maybeStart(init: () => Promise<WorkerInit>, wanted: boolean, warn: (line: string) => void, base?: () => AsyncIterable<BaseTensor>): Promise<GradHelper | null> {
    if (!wanted) return null;
    try {
      return await GradHelper.start(await init(), base);
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

  /** The trainable weights at optimizer step `step`, read off the backend once per update (null: the worker has them). */
  async weightsFor(step: number, trainables: Trainables): Promise<Float32Array[] | null> {
    if (step === this.weightsAt) return null;
    const out: Float32Array[] = [];
    // Copies: their buffers are transferred, and on the cpu backend data() is the tensor's own storage.
    for (const n of this.names) out.push(((await (trainables.get(n) as tf.Variable).data()) as Float32Array).slice());
    this.weightsAt = step;
    return out;
  }

  /** Posts a share of work (with the weights when they changed); resolves with its result. */
  run(weights: Float32Array[] | null, work: Work): Promise<WorkerResult> {
    const transfer = (weights ?? []).map((w) => w.buffer as ArrayBuffer);
    if (work.kind === 'bytes') transfer.push(work.features.buffer as ArrayBuffer);
    return this.request({ kind: 'grads', weights, work }, transfer).then((r) => {
      if (r.kind !== 'grads') throw new Error('gradient worker: unexpected reply');
      // A share that touches no part of a tensor sends it empty (the byte level's share has no patch-level gradients).
      const grads = new Map<string, Float32Array>();
      this.names.forEach((n, i) => { if (r.grads[i].length > 0) grads.set(n, r.grads[i]); });
      return { loss: r.loss, right: r.right, grads, dFeatures: r.dFeatures };
    });
  }

  async close(): Promise<void> {
    this.pending = null;
    await this.worker.terminate();
  }
}

/** Adds a worker's gradients (host arrays) into `grads`, shaped as the trainable tensors. */
export function addRemoteGrads(grads: Grads, remote: Map<string, Float32Array>, trainables: Trainables): void {
  for (const [name, g] of remote) {
    const v = trainables.get(name) as tf.Variable;
    const mine = grads.get(name);
    grads.set(name, tf.tidy(() => (mine ? tf.add(mine, tf.tensor(g, v.shape)) : tf.tensor(g, v.shape))));
    mine?.dispose();
  }
}
