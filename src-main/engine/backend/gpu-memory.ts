// Training memory against a WebGPU adapter's limits. WebGPU does not tell how much memory a GPU has;
// it does bound every single buffer (maxBufferSize, maxStorageBufferBindingSize: 128 MiB on many
// adapters, see the WebGPU spec §3.6.2 "Limits"), and a tensor past that fails mid-step. So the
// memory plan (train/plan.ts) takes fewer windows per pass until every buffer of a pass can be bound,
// and refuses a run whose single window cannot be, before anything is allocated.
import { BYTE_LEVEL_CHUNK_PATCHES, VOCAB_SIZE, type BGPTConfig } from '../../shared/config';
import type { GpuAdapterInfo } from '../../shared/contract';

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

/** Null when every buffer of a pass of `windows` windows fits `adapter`'s limit per buffer, else why not (train/plan.ts). */
export function gpuBuffersFit(c: BGPTConfig, windows: number, adapter: GpuAdapterInfo): string | null {
  const limit = Math.min(adapter.maxBufferSize, adapter.maxStorageBufferBindingSize);
  const [top] = largestTrainingTensors(c, windows);
  if (top.bytes <= limit) return null;
  return `its ${top.what} need a ${mb(top.bytes)} buffer, more than this GPU's ${mb(limit)} limit per buffer (${adapter.vendor} ${adapter.device || adapter.description})`;
}
