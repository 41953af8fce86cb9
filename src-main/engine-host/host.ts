// The studio's side of the engine. `EngineHost` is what every studio service talks to: start, call a
// method of the engine's protocol, control a job, hear its events and the engine's status, stop. Two
// hosts implement it: ProcessEngineHost (here) runs the engine in a child or utility process, so a
// crash or Ctrl-C costs only that process (the desktop app, `bgpt serve`, `bgpt train`);
// InProcessEngineHost (./in-process.ts) runs the same method table in the caller's process, for the
// CLI's one-shot commands. Stop means ask, wait with a deadline, then kill (STYLE: long work off main).
import { EventEmitter } from 'node:events';
import { UserError } from '../shared/errors';
import type { EngineStatus } from '../shared/contract';
import type { ControlAction } from './control';
import type { EngineArg, EngineCall, EngineJobEvent, EngineMethod, EngineProcess, EngineResponse, EngineResult } from './protocol';

/** How long a graceful shutdown may take before the process is killed. */
const SHUTDOWN_DEADLINE_MS = 5000;
/** Starting the engine (TF.js + the wasm module) takes a moment; a process that says nothing for this long is broken. */
const READY_TIMEOUT_MS = 60_000;

type Pending = { resolve(v: unknown): void; reject(e: Error): void };

export interface EngineHostEvents {
  status: [EngineStatus];
  /** An event from a running job. */
  job: [jobId: string, event: EngineJobEvent];
}

/** Error raised inside the engine: keeps the user/internal distinction across the process boundary. */
function remoteError(err: { message: string; code: string; user: boolean }): Error {
  if (err.user) return new UserError(err.message, err.code);
  const e = new Error(err.message);
  (e as Error & { code?: string }).code = err.code;
  return e;
}

/** The engine as the studio sees it, wherever it runs: its status, activity, calls, job control and stop. */
export abstract class EngineHost extends EventEmitter<EngineHostEvents> {
  protected _status: EngineStatus = { state: 'stopped', backend: null, activity: null, error: null };

  get status(): EngineStatus {
    return this._status;
  }

  protected setStatus(patch: Partial<EngineStatus>): void {
    this._status = { ...this._status, ...patch };
    this.emit('status', this._status);
  }

  /** What each kind of work is doing ('train', 'work'), so one ending does not hide another; `busy` false: held (a paused run). */
  private activities = new Map<string, { text: string; busy: boolean }>();

  /**
   * Marks what the engine is doing (shown in the status bar). Training and generation set their own
   * `key`: a generation ending while a run trains leaves "training <run>" shown (docs/walkthrough.md).
   * `busy: false` names work that waits without computing (a paused run): shown, but the engine is idle.
   */
  setActivity(activity: string | null, key = 'work', busy = true): void {
    if (activity) this.activities.set(key, { text: activity, busy });
    else this.activities.delete(key);
    if (this._status.state === 'crashed' || this._status.state === 'stopped') return;
    this.setStatus(this.activityStatus());
  }

  protected activityStatus(): Pick<EngineStatus, 'activity' | 'state'> {
    const all = [...this.activities.values()];
    const activity = all.map((a) => a.text).join(' · ') || null;
    return { activity, state: all.some((a) => a.busy) ? 'busy' : 'idle' };
  }

  protected clearActivities(): void {
    this.activities.clear();
  }

  /** Calls a method whose job (`arg.jobId`) reports its events to `onEvent` while it runs. */
  async callJob<M extends EngineMethod>(method: M, arg: EngineArg<M> & { jobId: string }, onEvent: (event: EngineJobEvent) => void): Promise<EngineResult<M>> {
    const listener = (jobId: string, event: EngineJobEvent) => {
      if (jobId === arg.jobId) onEvent(event);
    };
    this.on('job', listener);
    try {
      return await this.call(method, arg);
    } finally {
      this.off('job', listener);
    }
  }

  /** Starts the engine if it is not running; resolves once it is ready. */
  abstract start(): Promise<void>;
  /** Calls an engine method; starts (or restarts after a crash) the engine first. */
  abstract call<M extends EngineMethod>(method: M, arg: EngineArg<M>): Promise<EngineResult<M>>;
  /** Pause/resume/stop a training job, or cancel a generation. */
  abstract control(jobId: string, action: ControlAction): void;
  /** Asks the engine to finish its jobs (training saves its last checkpoint), then ends it. */
  abstract stop(deadlineMs?: number): Promise<void>;
}

/** The engine in a process of its own (Node child process or Electron utility process). */
export class ProcessEngineHost extends EngineHost {
  private proc: EngineProcess | null = null;
  private ready: Promise<void> | null = null;
  private seq = 0;
  private pending = new Map<number, Pending>();
  private stopping = false;

  constructor(private spawn: () => EngineProcess) {
    super();
  }

  /** Starts the process if it is not running; resolves once it reported ready. */
  start(): Promise<void> {
    if (this.ready) return this.ready;
    this.stopping = false;
    // The activity that asked for the start (training X) is kept: it is what the engine starts for.
    this.setStatus({ state: 'starting', error: null });
    const proc = this.spawn();
    this.proc = proc;
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('the engine process did not start in time'));
        proc.kill();
      }, READY_TIMEOUT_MS);
      proc.onMessage((msg: EngineResponse) => {
        if (msg.type === 'ready') {
          clearTimeout(timer);
          this.setStatus({ ...this.activityStatus(), backend: msg.backend as EngineStatus['backend'], adapter: msg.adapter ?? null });
          resolve();
        } else if (msg.type === 'reply') {
          const p = this.pending.get(msg.seq);
          if (!p) return;
          this.pending.delete(msg.seq);
          if (msg.ok) p.resolve(msg.value);
          else p.reject(remoteError(msg.error));
        } else if (msg.type === 'event') {
          this.emit('job', msg.jobId, { name: msg.name, payload: msg.payload } as EngineJobEvent);
        } else if (msg.type === 'fatal') {
          clearTimeout(timer);
          this.setStatus({ error: msg.message });
          reject(new Error(msg.message));
        }
      });
      proc.onExit((code, signal) => {
        clearTimeout(timer);
        const expected = this.stopping;
        const why = expected ? 'the engine stopped' : `the engine process crashed (${signal ? `signal ${signal}` : `exit code ${code}`})`;
        for (const p of this.pending.values()) p.reject(new Error(why));
        this.pending.clear();
        this.proc = null;
        this.ready = null;
        reject(new Error(why));
        this.clearActivities();
        this.setStatus(expected ? { state: 'stopped', activity: null } : { state: 'crashed', activity: null, error: this._status.error ?? why });
      });
    });
    // A failed start must not leave an unhandled rejection when nobody awaits it.
    this.ready.catch(() => {});
    return this.ready;
  }

  /** Calls an engine method; starts (or restarts after a crash) the process first. */
  async call<M extends EngineMethod>(method: M, arg: EngineArg<M>): Promise<EngineResult<M>> {
    await this.start();
    const proc = this.proc;
    if (!proc) throw new Error('the engine process is not running');
    const seq = ++this.seq;
    return new Promise<EngineResult<M>>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      proc.send({ type: 'call', seq, method, arg } as EngineCall);
    });
  }

  /** Pause/resume/stop a training job, or cancel a generation. */
  control(jobId: string, action: ControlAction): void {
    this.proc?.send({ type: 'control', jobId, action });
  }

  /** Asks the engine to finish, waits up to the deadline, then kills it. */
  async stop(deadlineMs = SHUTDOWN_DEADLINE_MS): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => proc.onExit(() => resolve()));
    proc.send({ type: 'shutdown' });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), deadlineMs); });
    const late = await Promise.race([exited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      proc.kill();
      await exited;
    }
  }
}
