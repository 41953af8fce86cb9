// TF.js's wasm backend as the engine starts it (backend.ts). One kernel is replaced: Identity. TF.js
// clones every tensor it saves for a backward pass through Identity (Engine.clone, tfjs-core 4.22),
// and the wasm backend's Identity copies the buffer, so a training step's tape held a copy of every
// weight matrix and activation it saved (a paper-size LoRA step: ~1,600 copies, 6 % of its kernel
// time, and hundreds of MB). Tensors are immutable in TF.js (a variable's assign takes a new
// buffer), so the copy is not needed: this Identity shares the buffer and counts the reference, as
// the cpu backend's Identity and the wasm backend's own Reshape do.
import * as tf from '@tensorflow/tfjs-core';

interface RefCountedBackend {
  incRef(dataId: object): void;
}

let replaced = false;

/** Registers the sharing Identity for the wasm backend (once, after it is registered). */
export function shareWasmIdentity(): void {
  if (replaced) return;
  const original = tf.getKernel(tf.Identity, 'wasm');
  if (!original) return;
  replaced = true;
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({
    kernelName: tf.Identity,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = (args.inputs as { x: tf.TensorInfo }).x;
      if (x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as unknown as RefCountedBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  });
}
