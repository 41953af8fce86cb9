// The engine's public API (the studio, the engine host process and the CLI call these): backends,
// checkpoints, evaluation, training and the training benchmark. Generation lives
// in ./infer. Every function here leaves tf.memory().numTensors as it found it.

/** Backend selection: `initBackend(name?)` → the backend in use ('tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu'). */
export { initBackend, backendName, backendLabel, engineInfo, BACKEND_PREFERENCE, type BackendName } from './backend/backend';

/** Checkpoint folders: `loadModel(dir)`, `saveModel(dir, model, extraFiles?)`, `readCheckpointConfig(dir)`. */
export { BGPTModel, loadModel, saveModel, readCheckpointConfig, CONFIG_FILE, MODEL_FILE } from './io/checkpoint';

/** `evaluate({checkpoint, files})` → docs/cli.md eval JSON on TF.js (per-byte surprisal: infer/score.ts fileSurprisal). */
export { evaluate, evaluateModel, type EvalReport, type FileEval, type EvaluateOptions } from './eval/evaluate';

/** Input files: `readInputFile(path)`, `readFolder(dir, seed)` (train / eval split), `conversionPairs(files, directions)`. */
export { readInputFile, readFolder, conversionPairs, EVAL_FRACTION, type InputFile, type FilePair, type FolderSplit } from './io/files';

/** `train(options)` → TrainResult; metrics arrive through onStep / onEval / onCheckpoint; TrainControl pauses and stops. */
export { train, estimateLoss, DEFAULT_LR, DEFAULT_DROPOUT, STATE_FILE, OPTIMIZER_FILE, type TrainOptions, type TrainResult, type StepMetrics, type EvalMetrics, type CheckpointEvent } from './train/train';
export { TrainControl } from './train/control';

/** `getLr(step, {maxLr, totalSteps})`: cosine schedule with 10 % linear warm-up. */
export { getLr, WARMUP_FRACTION, type Schedule } from './train/schedule';

/** Data-parallel gradients: `helperUseful(backend)` says whether train() starts a gradient worker thread by default. */
export { helperUseful } from './train/parallel';

/** `benchTrain(steps?, backend?, parallel?)`: training bytes/s on the fixed bench config. */
export { benchTrain, BENCH_BATCH, type TrainBenchResult } from './train/bench';
