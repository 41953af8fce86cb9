// An inference worker thread (threads.ts): instantiates the kernels over the model's shared memory, says
// ready, then helps with every step until told to stop. It never returns to its event loop while
// serving, so everything it needs comes in `workerData`.
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateKernels } from './arena';
import { Shard } from './shard';
import { serveSteps, type WorkerInit } from './threads';

const init = workerData as WorkerInit;
try {
  const kernels = instantiateKernels(init.module, init.memory);
  const shard = new Shard(init.layout, kernels, new Float32Array(init.memory.buffer), init.thread);
  parentPort?.postMessage({ ready: true });
  serveSteps(new Int32Array(init.control), shard);
} catch (e) {
  parentPort?.postMessage({ ready: false, error: e instanceof Error ? e.message : String(e) });
}
