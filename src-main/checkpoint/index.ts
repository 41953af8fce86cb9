// The checkpoint module (docs/ARCHITECTURE.md): a checkpoint's folder layout and kinds, its config
// reader, its resume state, and how a PyTorch file is recognised. Node only, never TF.js, so the studio,
// the catalogue and the engine all read checkpoints the same way.
export * from './layout';
export * from './form';
export * from './config';
export * from './state';
