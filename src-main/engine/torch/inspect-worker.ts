// Worker thread that reads what a .pth holds (isolated.ts starts it): a hostile file that still got past
// the unpickler's caps can cost only this thread — its heap is capped by `resourceLimits` and the
// host terminates it after a deadline — never the studio process (`bgpt serve`, Electron main).
import { parentPort } from 'node:worker_threads';
import type { PickleLimits } from './pickle';
import { inspectTorchCheckpoint } from './read';

export type InspectRequest = { file: string; pickleLimits?: PickleLimits };
export type InspectReply =
  | { ok: true; info: Awaited<ReturnType<typeof inspectTorchCheckpoint>> }
  | { ok: false; message: string; code: string | null; user: boolean };

parentPort!.on('message', (req: InspectRequest) => {
  inspectTorchCheckpoint(req.file, { pickleLimits: req.pickleLimits }).then(
    (info) => parentPort!.postMessage({ ok: true, info } satisfies InspectReply),
    (err: unknown) => {
      const e = err as { message?: unknown; code?: unknown; name?: unknown };
      parentPort!.postMessage({
        ok: false, message: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : null, user: e?.name === 'UserError',
      } satisfies InspectReply);
    },
  );
});
