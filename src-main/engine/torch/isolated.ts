// Inspection of an untrusted .pth in a worker thread (docs/security.md, "Pickle allocation bomb"): the
// unpickler's caps stop every bomb we know of in one line, and this is the second wall, for the one we
// do not — the worker's heap is capped, it gets a deadline, and when it dies only this job fails with
// one line: the studio process (`bgpt serve`, the Electron main process, the CLI) goes on.
import { startEntryWorker } from '../../node/entry-worker';
import { UserError } from '../../shared/errors';
import type { InspectReply, InspectRequest } from './inspect-worker';
import type { PickleLimits } from './pickle';
import type { TorchCheckpointInfo } from './read';

/**
 * Heap of the inspecting thread. A real checkpoint's pickle (72 KB, ~6,600 objects) needs a few MB;
 * the caps of pickle.ts keep what a hostile one can build under ~100 MB.
 */
export const INSPECT_HEAP_MB = 256;
/** Reading a real checkpoint's pickle and zip directory takes well under a second. */
export const INSPECT_TIMEOUT_MS = 60_000;

export interface IsolatedOptions {
  timeoutMs?: number;
  heapMb?: number;
  /** Only for tests of this wall itself: the unpickler's caps otherwise stop a bomb first. */
  pickleLimits?: PickleLimits;
}

/** Config, kind, labels, shapes and training meta of a checkpoint, read in a worker thread. */
export function inspectTorchCheckpointIsolated(file: string, opts: IsolatedOptions = {}): Promise<TorchCheckpointInfo> {
  const timeoutMs = opts.timeoutMs ?? INSPECT_TIMEOUT_MS;
  const heapMb = opts.heapMb ?? INSPECT_HEAP_MB;
  return new Promise((resolve, reject) => {
    const worker = startEntryWorker('inspect-worker', { resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.min(32, heapMb / 4) } });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new UserError(`${file}: reading the checkpoint took longer than ${timeoutMs / 1000} s; refused`, 'PICKLE_LIMIT'))), timeoutMs);
    worker.once('message', (r: InspectReply) => finish(() => {
      if (r.ok) resolve(r.info);
      else reject(r.user ? new UserError(r.message, r.code ?? 'BAD_CHECKPOINT') : new Error(r.message));
    }));
    worker.once('error', (err: Error & { code?: string }) => finish(() => {
      reject(err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new UserError(`${file}: reading the checkpoint needed more than the ${heapMb} MB it may use; refused (a bGPT checkpoint needs a few MB)`, 'PICKLE_LIMIT')
        : new UserError(`${file}: the checkpoint reader failed (${err.message})`, 'BAD_CHECKPOINT'));
    }));
    worker.once('exit', (code) => finish(() => reject(new UserError(`${file}: the checkpoint reader stopped (exit code ${code})`, 'BAD_CHECKPOINT'))));
    worker.postMessage({ file, pickleLimits: opts.pickleLimits } satisfies InspectRequest);
  });
}
