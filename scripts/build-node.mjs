#!/usr/bin/env node
// Builds the Node entries the app runs (docs/ARCHITECTURE.md, "Builds"): the `bgpt` CLI, the engine process,
// the gradient worker thread and the checkpoint-inspection worker thread, as ES-module bundles in out/node
// (or the folder given). npm packages stay external (resolved from node_modules at run time: native addons,
// TF.js backends); each entry is one file, so `import.meta.url` inside it names that file and its sibling
// entries. `npm install` runs this (prepare).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.resolve(process.argv[2] ?? path.join(root, 'out', 'node'));

await build({
  absWorkingDir: root,
  entryPoints: {
    cli: 'src-main/cli/main.ts',
    engine: 'src-main/engine-host/worker.ts',
    'grad-worker': 'src-main/engine/train/grad-worker.ts',
    'inspect-worker': 'src-main/engine/torch/inspect-worker.ts',
  },
  outdir,
  bundle: true,
  splitting: false,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  define: { __BGPT_BUNDLED__: 'true' },
  logLevel: 'warning',
});
