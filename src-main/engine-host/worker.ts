// Child side of the engine process: picks the TF.js backend, then serves calls from the studio
// (training, evaluation, generation, surprisal, …) and forwards job events. Never imports electron:
// in the app it runs as a utility process (process.parentPort), elsewhere as a forked child.
import { errorLine, isUserError } from '../shared/errors';
import type { EngineRequest, EngineResponse, ParentPort } from './protocol';
import { JobControl, engineError, initEngine, isEngineMethod, runEngineCall } from './methods';

interface UtilityParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

function parentPort(): ParentPort {
  const utility = (process as unknown as { parentPort?: UtilityParentPort }).parentPort;
  if (utility) {
    return { post: (m) => utility.postMessage(m), onMessage: (l) => utility.on('message', (e) => l(e.data as EngineRequest)) };
  }
  if (!process.send) throw new Error('engine worker must be started as a child process with IPC');
  return { post: (m) => process.send!(m), onMessage: (l) => process.on('message', (m) => l(m as EngineRequest)) };
}

const port = parentPort();
const jobs = new Map<string, JobControl>();

/** Stops every job (training saves its last checkpoint), then leaves. */
function shutdown(): void {
  for (const j of jobs.values()) j.apply('stop');
  const waitJobs = async () => {
    while (jobs.size > 0) await new Promise((r) => setTimeout(r, 50));
    process.exit(0);
  };
  void waitJobs();
}

if (process.send && !(process as unknown as { parentPort?: unknown }).parentPort) {
  // A terminal's Ctrl-C signals the whole process group, this child included. The interrupt is the user's word to
  // the command (the parent), which asks the running job to stop so it can save and say where it stopped; dying
  // here instead would lose the step and read as a crash. If the parent itself goes away, stop and leave.
  process.on('SIGINT', () => {});
  process.on('disconnect', shutdown);
}

async function handleCall(seq: number, method: unknown, arg: unknown): Promise<void> {
  if (!isEngineMethod(method)) {
    port.post({ type: 'reply', seq, ok: false, error: { message: `unknown engine method '${String(method)}'`, code: 'BAD_METHOD', user: false } });
    return;
  }
  try {
    const value = await runEngineCall(method, arg, jobs, (jobId, event) => port.post({ type: 'event', jobId, ...event } as EngineResponse));
    port.post({ type: 'reply', seq, ok: true, value });
  } catch (err) {
    port.post({ type: 'reply', seq, ok: false, error: engineError(err) });
    if (!isUserError(err) && process.env.BGPT_DEBUG) console.error(err);
  }
}

port.onMessage((msg: EngineRequest) => {
  if (msg.type === 'call') void handleCall(msg.seq, msg.method, msg.arg);
  else if (msg.type === 'control') jobs.get(msg.jobId)?.apply(msg.action);
  else if (msg.type === 'shutdown') shutdown();
});

initEngine()
  .then((info) => port.post({ type: 'ready', backend: info.backend, adapter: info.adapter } satisfies EngineResponse))
  .catch((err) => {
    port.post({ type: 'fatal', message: `engine failed to start: ${errorLine(err)}` });
    process.exit(1);
  });
