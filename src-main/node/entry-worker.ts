// Starts one of the app's entries (app-root.ts) as a worker thread: the built bundle beside this one when bundled,
// out/node's bundle in Electron's main process (which runs neither tsx nor TypeScript), else the TypeScript
// source, for which the thread registers tsx itself first (worker threads ignore `--import`). The one way every
// worker starts: the gradient worker, the inference kernels' threads and the capped .pth inspection.
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { builtEntry, BUNDLED, nodeEntry, needsTsx, type NodeEntry } from './app-root';

export interface EntryWorkerOptions {
  /** Structured-cloned to the thread (shared memory stays shared). */
  workerData?: unknown;
  /** Heap caps: a thread fed hostile input fails alone (engine/torch/isolated.ts). */
  resourceLimits?: ResourceLimits;
}

/** A worker thread running `name`. */
export function startEntryWorker(name: NodeEntry, opts: EntryWorkerOptions = {}): Worker {
  const { workerData, resourceLimits } = opts;
  const inElectron = typeof process.versions.electron === 'string';
  if (BUNDLED || inElectron) return new Worker(BUNDLED ? nodeEntry(name) : builtEntry(name), { workerData, resourceLimits });
  if (!needsTsx) return new Worker(nodeEntry(name), { workerData, resourceLimits });
  const entry = pathToFileURL(nodeEntry(name)).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`, { eval: true, workerData, resourceLimits });
}
