// A gradient worker thread (see parallel.ts): holds a replica of the model on its own TF.js backend
// and returns the gradients of its share of an update at the weights it is sent.
import * as tf from '@tensorflow/tfjs-core';
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../backend/backend';
import { ops } from '../backend/ops';
import { BGPTModel } from '../io/checkpoint';
import type { Tensor } from '../io/safetensors';
import { LoraAdapter } from '../model/lora';
import { ClassifierModel } from '../classify/model';
import { CLASSIFIER_GRADIENTS, type ClassExample } from '../classify/train';
import { GENERATIVE_GRADIENTS, offloadedByteGradients } from './generative';
import { passOf, type WorkerInit, type WorkerReply, type WorkerRequest, type Work } from './parallel';
import type { Grads } from './gradients';
import type { TrainModel } from './task';
import { trainableSpecs } from '../model/weights';

interface Replica {
  init: WorkerInit;
  model: TrainModel;
  trainables: Map<string, tf.Variable>;
}

let replica: Replica | null = null;
/** The streamed base's tensors as they arrive, already variables (each message's buffer is dropped at once). */
const base = new Map<string, tf.Variable>();

/**
 * Placeholders for the tensors a byte-level-only replica never reads (the patch level): empty, or of
 * their shape when they train (their values arrive with every update's weights, unused).
 */
function placeholders(init: WorkerInit): void {
  const trained = new Set(init.names);
  for (const spec of trainableSpecs(init.config)) {
    if (!base.has(spec.name)) base.set(spec.name, tf.variable(tf.zeros(trained.has(spec.name) ? spec.shape : [0]), true, spec.name));
  }
}

function build(init: WorkerInit): Replica {
  if (init.streamedBase && init.byteLevelOnly) placeholders(init);
  const d = init.config.hiddenSize;
  const unused: Tensor = { shape: [1, d], data: new Float32Array(d) };
  const model: TrainModel = init.task === 'classifier'
    ? (init.streamedBase ? new ClassifierModel({ ...init.config, byteNumLayers: 0 }, init.labels ?? [], new Map(base), unused) : ClassifierModel.random(init.config, init.labels ?? [], 0))
    : (init.streamedBase ? new BGPTModel(init.config, new Map(base), unused) : BGPTModel.random(init.config, 0));
  base.clear();
  const byName = new Map(model.vars);
  if (init.lora) {
    const adapter = LoraAdapter.create(init.config, init.lora, 0);
    for (const [n, v] of adapter.vars) byName.set(n, v);
    const trained = new Set(init.names);
    model.useLora(adapter.factors, new Set([...model.vars.keys()].filter((n) => !trained.has(n))));
  }
  const trainables = new Map(init.names.map((n) => {
    const v = byName.get(n);
    if (!v) throw new Error(`no trainable tensor ${n} in the replica`);
    return [n, v] as const;
  }));
  return { init, model, trainables };
}

async function gradients(r: Replica, weights: Float32Array[] | null, work: Work): Promise<WorkerReply> {
  if (weights) tf.tidy(() => r.init.names.forEach((n, i) => { const v = r.trainables.get(n) as tf.Variable; v.assign(tf.tensor(weights[i], v.shape)); }));
  const f = passOf(work.dropout, ops());
  let loss: number;
  let right = 0;
  let grads: Grads;
  let dFeatures: tf.Tensor | null = null;
  if (work.kind === 'bytes') {
    const out = await offloadedByteGradients(f, r.model as BGPTModel, r.trainables, work.seqs, work.from, work.features, work.count, work.scale, work.plan, work.needDFeatures);
    ({ loss, grads } = out);
    dFeatures = out.dFeatures;
  } else if (r.init.task === 'classifier') {
    ({ loss, right, grads } = await CLASSIFIER_GRADIENTS.gradients(f, r.model as ClassifierModel, r.trainables, work.examples as ClassExample[], work.scale, work.plan));
  } else {
    ({ loss, right, grads } = await GENERATIVE_GRADIENTS.gradients(f, r.model as BGPTModel, r.trainables, work.examples as Int32Array[], work.scale, work.plan));
  }
  const out: Float32Array[] = [];
  for (const n of r.init.names) {
    const g = grads.get(n);
    // Copies: the buffers are transferred, and tensors may share storage (a reshape, the cpu backend's arrays).
    out.push(g ? ((await g.data()) as Float32Array).slice() : new Float32Array(0));
  }
  const dF = dFeatures ? ((await dFeatures.data()) as Float32Array).slice() : null;
  tf.dispose([...grads.values(), ...(dFeatures ? [dFeatures] : [])]);
  return { kind: 'grads', loss, right, grads: out, dFeatures: dF };
}

async function handle(msg: WorkerRequest): Promise<WorkerReply> {
  if (msg.kind === 'backend') {
    await initBackend(msg.backend);
    return { kind: 'ready' };
  }
  if (msg.kind === 'base') {
    const [name, shape, data] = msg.tensor;
    base.set(name, tf.tidy(() => tf.variable(tf.tensor(data, shape, 'float32'), true, name)));
    return { kind: 'ready' };
  }
  if (msg.kind === 'init') {
    await initBackend(msg.backend);
    replica = build(msg);
    return { kind: 'ready' };
  }
  if (!replica) throw new Error('not initialised');
  return gradients(replica, msg.weights, msg.work);
}

function transferOf(reply: WorkerReply): ArrayBuffer[] {
  if (reply.kind !== 'grads') return [];
  return [...reply.grads.map((g) => g.buffer as ArrayBuffer), ...(reply.dFeatures ? [reply.dFeatures.buffer as ArrayBuffer] : [])];
}

parentPort?.on('message', (msg: WorkerRequest) => {
  handle(msg).then(
    (reply) => parentPort?.postMessage(reply, transferOf(reply)),
    (err: unknown) => parentPort?.postMessage({ kind: 'error', message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
  );
});
