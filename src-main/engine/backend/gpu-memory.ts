// Training memory against a WebGPU adapter's limits. WebGPU does not tell how much memory a GPU has;
// it does bound every single buffer (maxBufferSize, maxStorageBufferBindingSize: 128 MiB on many
// adapters, see the WebGPU spec §3.6.2 "Limits"), and a tensor past that fails mid-step. So a run
// whose largest tensor cannot be bound is refused before anything is allocated, with advice.
import { BYTE_LEVEL_CHUNK_PATCHES, estimateTrainingMemoryBytes, VOCAB_SIZE, type BGPTConfig } from '../../shared/config';
import type { GpuAdapterInfo } from '../../shared/contract';
import { UserError } from '../../shared/errors';

const BYTES_PER_FLOAT = 4;

/** The largest tensors of one training micro-batch of `batch` windows, by name, in bytes. */
export function largestTrainingTensors(c: BGPTConfig, batch: number): Array<{ what: string; bytes: number }> {
  const rows = batch * c.patchLength; // patch-level positions
  const chunkRows = Math.min(batch * (c.patchLength - 1), BYTE_LEVEL_CHUNK_PATCHES) * c.patchSize; // byte-level positions per chunk
  const list = [
    { what: 'one-hot patches', floats: rows * c.patchSize * VOCAB_SIZE },
    { what: 'patch-level attention scores', floats: batch * c.numHeads * c.patchLength * c.patchLength },
    { what: 'patch-level MLP activations', floats: rows * 4 * c.hiddenSize },
    { what: 'byte-level logits', floats: chunkRows * VOCAB_SIZE },
    { what: 'byte-level MLP activations', floats: chunkRows * 4 * c.hiddenSize },
    { what: 'patch embedding weight', floats: c.hiddenSize * c.patchSize * VOCAB_SIZE },
  ];
  return list.map((e) => ({ what: e.what, bytes: e.floats * BYTES_PER_FLOAT })).sort((a, b) => b.bytes - a.bytes);
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** Throws a one-line UserError when a micro-batch of `batch` cannot run on `adapter`; returns otherwise. */
export function checkGpuMemory(c: BGPTConfig, batch: number, adapter: GpuAdapterInfo): void {
  const limit = Math.min(adapter.maxBufferSize, adapter.maxStorageBufferBindingSize);
  const [top] = largestTrainingTensors(c, batch);
  if (top.bytes <= limit) return;
  let fits = batch;
  while (fits > 1 && largestTrainingTensors(c, fits)[0].bytes > limit) fits -= 1;
  const total = `${(estimateTrainingMemoryBytes(c, batch) / 2 ** 30).toFixed(1)} GiB`;
  const where = `this GPU's ${mb(limit)} limit per buffer (${adapter.vendor} ${adapter.device || adapter.description})`;
  if (largestTrainingTensors(c, fits)[0].bytes > limit) {
    throw new UserError(`this model's ${largestTrainingTensors(c, 1)[0].what} need ${mb(largestTrainingTensors(c, 1)[0].bytes)} even at batch 1, more than ${where}: use a smaller model or another backend (BGPT_BACKEND=wasm)`, 'BAD_ARGS');
  }
  throw new UserError(
    `batch ${batch} needs a ${mb(top.bytes)} buffer for its ${top.what} (about ${total} in all), more than ${where}: ` +
    `use a smaller batch with accumulation (e.g. batch ${fits} and accumulation ${Math.ceil(batch / fits)})`,
    'BAD_ARGS',
  );
}
