// Where the app's own files are (package.json, datasets/, out/) and which engine entries to start, the same
// from TypeScript sources (tsx, Vitest), from the esbuild bundles in out/node (the CLI, the engine process,
// the gradient and inference workers: scripts/build-node.mjs) and inside Electron's app.asar. docs/ARCHITECTURE.md, "Builds".
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Set to true by scripts/build-node.mjs (esbuild `define`); absent when running from sources. */
declare const __BGPT_BUNDLED__: boolean | undefined;

const PACKAGE_NAME = 'bgpt-studio';

/** True inside an out/node bundle: the other entries are its siblings. */
export const BUNDLED: boolean = typeof __BGPT_BUNDLED__ !== 'undefined' && __BGPT_BUNDLED__ === true;

function findRoot(start: string): string {
  for (let dir = path.dirname(start); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === PACKAGE_NAME) return dir;
      } catch {
        // another package.json on the way up: keep looking
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} folder above ${start}`);
  }
}

const HERE = fileURLToPath(import.meta.url);

/** The folder holding the app's package.json (the repository, or app.asar when packaged). */
export const APP_ROOT: string = findRoot(HERE);

/** The app's version, from its package.json. */
export const APP_VERSION: string = JSON.parse(readFileSync(path.join(APP_ROOT, 'package.json'), 'utf8')).version;

export type NodeEntry = 'cli' | 'engine' | 'grad-worker' | 'inspect-worker' | 'infer-worker';

const SOURCES: Record<NodeEntry, string> = {
  cli: 'src-main/cli/main.ts',
  engine: 'src-main/engine-host/worker.ts',
  'grad-worker': 'src-main/engine/train/grad-worker.ts',
  'inspect-worker': 'src-main/engine/torch/inspect-worker.ts',
  'infer-worker': 'src-main/engine/infer/worker.ts',
};

/**
 * The script to start for an entry: the built bundle beside this one when bundled, else the TypeScript
 * source (which needs tsx, a development dependency, to run: see `needsTsx`).
 */
export function nodeEntry(name: NodeEntry): string {
  return BUNDLED ? path.join(path.dirname(HERE), `${name}.js`) : path.join(APP_ROOT, SOURCES[name]);
}

/** The built bundle of an entry in out/node (the Electron main process starts the engine from there). */
export function builtEntry(name: NodeEntry): string {
  return path.join(APP_ROOT, 'out', 'node', `${name}.js`);
}

/** Whether starting an entry from here means running TypeScript (development only). */
export const needsTsx: boolean = !BUNDLED;
