// A gradient worker thread (see parallel.ts): holds a replica of the model on its own TF.js backend
// and returns the gradients of the mean loss over the sequences it is sent, at the weights it is sent.
import * as tf from '@tensorflow/tfjs-core';
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../backend/backend';
import { BGPTModel } from '../io/checkpoint';
import { halfDropout, localGradients, type DropoutSpec, type WorkerReply, type WorkerRequest } from './parallel';
import { trainableSpecs } from '../model/weights';

let model: BGPTModel | null = null;
let names: string[] = [];

async function gradients(weights: Float32Array[], seqs: Int32Array[], dropout: DropoutSpec | null): Promise<WorkerReply> {
  const m = model as BGPTModel;
  tf.tidy(() => names.forEach((n, i) => (m.vars.get(n) as tf.Variable).assign(tf.tensor(weights[i], m.vars.get(n)?.shape))));
  // This thread computes the second half of the batch: dropout streams of half 1 (see halfDropout).
  const { loss, grads } = localGradients(m, seqs, halfDropout(dropout, 1));
  const out: Float32Array[] = [];
  for (const n of names) out.push((await (grads.get(n) as tf.Tensor).data()) as Float32Array);
  const value = (await loss.data())[0];
  tf.dispose([loss, ...grads.values()]);
  return { kind: 'grads', loss: value, grads: out };
}

async function handle(msg: WorkerRequest): Promise<WorkerReply> {
  if (msg.kind === 'init') {
    await initBackend(msg.backend);
    model = BGPTModel.random(msg.config, 0);
    names = trainableSpecs(msg.config).map((s) => s.name);
    return { kind: 'ready' };
  }
  return gradients(msg.weights, msg.seqs, msg.dropout);
}

parentPort?.on('message', (msg: WorkerRequest) => {
  handle(msg).then(
    (reply) => parentPort?.postMessage(reply, reply.kind === 'grads' ? reply.grads.map((g) => g.buffer as ArrayBuffer) : []),
    (err: unknown) => parentPort?.postMessage({ kind: 'error', message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
  );
});
