// PyTorch checkpoints in and out (docs/pytorch.md): read the `.pth`/`.pt` files the reference bGPT
// trainers save (restricted unpickler, nothing executed), write them in the same layout, and read
// the trainers' log files. Node only.
export { readTorchCheckpoint, inspectTorchCheckpoint } from './read';
export { inspectTorchCheckpointIsolated } from './isolated';
export type { TorchCheckpoint, TorchCheckpointInfo, ReadOptions } from './read';
export { writeTorchCheckpoint } from './write';
export type { TorchExtra } from './write';
export { readReferenceLog, parseReferenceLog } from './log';
export type { ReferenceLogEpoch } from './log';
export type { ModelKind } from './infer-config';
