// What a task plugs into the one training loop (train.ts): the generative and conversion task
// (generative.ts) and the classifier (classify/train.ts) differ only here — how a model is opened,
// which examples a batch holds, the loss and its gradients, the evaluation and what a checkpoint
// folder holds. Accumulation, exact resume, pause / stop, early stopping, LoRA, the memory modes and
// the gradient worker are the loop's, written once.
import type * as tf from '@tensorflow/tfjs-core';
import type { BGPTConfig } from '../../shared/config';
import type { AdapterConfig } from '../../checkpoint/adapter';
import type { Tensor } from '../io/safetensors';
import type { LoraMap, Pass } from '../model/model';
import type { GradPlan, Grads, Trainables } from './gradients';
import type { TrainingPlan } from './plan';

/** 'generative' and 'conversion' share the generative task; the adapter file records which. */
export type TaskKind = AdapterConfig['kind'];

/** A model the loop trains: its config and every base tensor as a variable, by reference name. */
export interface TrainModel {
  readonly config: BGPTConfig;
  readonly vars: Map<string, tf.Variable>;
  /** Adds LoRA factors to the forward pass; `frozen` names the base tensors that do not train. */
  useLora(factors: LoraMap, frozen: ReadonlySet<string>): void;
  /** Every tensor of a full checkpoint, in reference order (what export and merging start from). */
  tensors(): Promise<Array<[string, Tensor]>>;
  dispose(): void;
}

/** One thread's share of a batch: Σ weight·loss·scale, how many it predicted right (classifier), and its gradients. */
export interface UnitResult {
  loss: number;
  right: number;
  grads: Grads;
}

/** An evaluation: the loss that picks `best/`, and the payload the task's onEval reports. */
export interface TaskEval<M> {
  loss: number;
  /** Classifier: eval accuracy (kept with the best checkpoint). */
  accuracy?: number;
  metrics: M;
}

/** The part of a task the gradient worker runs too: a pure function of weights, examples and dropout. */
export interface TaskGradients<Model extends TrainModel, E> {
  /** Σ over `examples` of weight·loss, times `scale`, and its gradients by trainable name, on this thread. */
  gradients(f: Pass, model: Model, trainables: Trainables, examples: E[], scale: number, plan: GradPlan): Promise<UnitResult>;
}

/** A task as the loop drives it. */
export interface Task<Model extends TrainModel, E, EvalMetrics> extends TaskGradients<Model, E> {
  readonly kind: TaskKind;
  readonly model: Model;
  /** Training examples in the set (for --epochs and for drawing). */
  readonly trainCount: number;
  /** Example k of the run: a pure function of (seed, k), so a resumed run draws the same batches. */
  sample(k: number): E;
  /** Its bytes (throughput). */
  bytes(e: E): number;
  /** Its weight in the batch mean: predicted byte positions (generative) or 1 (a labelled window). */
  weight(e: E): number;
  /**
   * Evaluates the current weights at `step`, or null without an eval split, in passes of the run's training
   * pass shape (`plan`: its windows per pass and byte-level chunk), so that evaluating never holds more than a training
   * pass does (a paper-size eval at the default 128-patch chunk held 1.4 GB of byte-level activations on wasm,
   * where training's 16-patch chunks hold an eighth of it).
   */
  evaluate(step: number, plan: Pick<TrainingPlan, 'windowsPerPass' | 'byteChunk'>): Promise<TaskEval<EvalMetrics> | null>;
  /** Files a checkpoint folder of this task holds besides config.json and the weights (a classifier's labels.json). */
  extraFiles(): Record<string, string>;
  /** Writes a full checkpoint folder (config.json + model.safetensors + extraFiles + `extra`). */
  saveFull(dir: string, extra: Record<string, Uint8Array | string>): Promise<void>;
}
