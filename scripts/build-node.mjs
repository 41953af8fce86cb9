#!/usr/bin/env node
// Builds the Node entries the app runs (docs/ARCHITECTURE.md, "Builds"): the `bgpt` CLI, the engine process,
// the gradient worker thread, the inference kernels' worker threads and the checkpoint-inspection worker thread,
// as ES-module bundles in out/node (or the folder given). npm packages stay external (resolved from node_modules
// at run time: native addons, TF.js backends); each entry is one file, so `import.meta.url` inside it names that
// file and its sibling entries. `npm install` runs this (prepare).
import { build } from 'esbuild';
import { readdirSync, rmSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.resolve(process.argv[2] ?? path.join(root, 'out', 'node'));

const common = {
  absWorkingDir: root,
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  define: { __BGPT_BUNDLED__: 'true' },
  logLevel: 'warning',
};

// The CLI is split: what a command loads lazily (`await import`) becomes a chunk beside it, so `bgpt --help`
// and `bgpt <command> --help` evaluate no engine, SQLite, zod or TF.js (docs/cli.md: help answers in under
// 200 ms). Without splitting esbuild hoists every external import of a lazily loaded module to the bundle's top.
// The chunks sit beside the entries (app-root.ts finds siblings by `import.meta.url`); old ones are removed first.
mkdirSync(outdir, { recursive: true });
for (const f of readdirSync(outdir)) if (f.startsWith('chunk-')) rmSync(path.join(outdir, f));
await build({ ...common, entryPoints: { cli: 'src-main/cli/main.ts' }, splitting: true, chunkNames: 'chunk-[hash]' });
// Help without loading the commands (src-main/cli/help.ts): their specs, from the bundle just built, in one file.
const { commandSpecs } = await import(pathToFileURL(path.join(outdir, 'cli.js')).href + `?t=${Date.now()}`);
const manifest = path.join(outdir, 'commands.json');
writeFileSync(`${manifest}.tmp`, JSON.stringify(await commandSpecs()));
renameSync(`${manifest}.tmp`, manifest);

// The engine process and the worker threads are one file each.
await build({
  ...common,
  entryPoints: {
    engine: 'src-main/engine-host/worker.ts',
    'grad-worker': 'src-main/engine/train/grad-worker.ts',
    'inspect-worker': 'src-main/engine/torch/inspect-worker.ts',
    'infer-worker': 'src-main/engine/infer/worker.ts',
  },
  splitting: false,
});
