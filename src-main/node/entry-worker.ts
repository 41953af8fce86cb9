// Starts one of the app's entries (app-root.ts) as a worker thread: the built bundle beside this one, or
// from TypeScript sources (development, tests), where worker threads ignore `--import`, so the thread
// registers tsx itself before importing the entry.
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nodeEntry, needsTsx, type NodeEntry } from './app-root';

/** A worker thread running `name`, with `workerData` (structured-cloned: shared memory stays shared). */
export function startEntryWorker(name: NodeEntry, workerData?: unknown): Worker {
  const entry = pathToFileURL(nodeEntry(name)).href;
  if (!needsTsx) return new Worker(new URL(entry), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`, { eval: true, workerData });
}
