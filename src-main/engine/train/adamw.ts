// AdamW with PyTorch's defaults and update order (Loshchilov & Hutter 2019; torch.optim.AdamW):
// decoupled weight decay p -= lr·wd·p, then the bias-corrected Adam step with eps added after sqrt(v̂).
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../../shared/errors';
import type { Tensor } from '../io/safetensors';
import type { Ops } from '../backend/ops';

export const ADAMW_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 } as const;

export type AdamWHyper = { beta1: number; beta2: number; eps: number; weightDecay: number };

/** Optimizer state for a set of named variables; moments live on the backend between steps. */
export class AdamW {
  /** Updates applied so far (PyTorch's `step`, used for bias correction). */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(private readonly vars: Map<string, tf.Variable>, private readonly ops: Ops, readonly hyper: AdamWHyper = { ...ADAMW_DEFAULTS }) {
    for (const [name, p] of vars) {
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  /** One update with learning rate `lr`; `grads` are the (averaged) gradients by variable name. */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    this.step += 1;
    const { beta1, beta2, eps, weightDecay } = this.hyper;
    const bc1 = 1 - beta1 ** this.step;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.step);
    const scalars = { beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, bc2Sqrt, eps, decay: 1 - lr * weightDecay, stepSize: lr / bc1 };
    tf.tidy(() => {
      for (const [name, p] of this.vars) {
        const g = grads.get(name);
        if (!g) continue; // PyTorch skips parameters without a gradient (no decay either)
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        // m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p·(1 − lr·wd) − lr/(1−β1ᵗ) · m / (√v / √(1−β2ᵗ) + ε)
        const [p2, m2, v2] = this.ops.adamwStep(p, m, v, g, scalars);
        m.assign(m2);
        v.assign(v2);
        p.assign(p2);
      }
    });
  }

  /** The moments as named tensors (`exp_avg.NAME`, `exp_avg_sq.NAME`, PyTorch's names) for a resume file. */
  async moments(): Promise<Array<[string, Tensor]>> {
    const out: Array<[string, Tensor]> = [];
    for (const [name, m] of this.m) {
      out.push([`exp_avg.${name}`, { shape: m.shape, data: (await m.data()) as Float32Array }]);
      out.push([`exp_avg_sq.${name}`, { shape: m.shape, data: (await (this.v.get(name) as tf.Variable).data()) as Float32Array }]);
    }
    return out;
  }

  /** Restores moments saved by `moments()` and the step count; `source` names the file in errors. */
  restore(tensors: Map<string, Tensor>, step: number, source: string): void {
    for (const [prefix, store] of [['exp_avg', this.m], ['exp_avg_sq', this.v]] as const) {
      for (const [name, variable] of store) {
        const t = tensors.get(`${prefix}.${name}`);
        if (!t) throw new UserError(`${source}: optimizer tensor ${prefix}.${name} is missing`, 'BAD_CHECKPOINT');
        if (t.data.length !== variable.size) {
          throw new UserError(`${source}: optimizer tensor ${prefix}.${name} has shape [${t.shape.join(', ')}], the model needs [${variable.shape.join(', ')}]`, 'BAD_CHECKPOINT');
        }
        tf.tidy(() => variable.assign(tf.tensor(t.data, variable.shape, 'float32')));
      }
    }
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
