// The engine in the caller's own process: the same method table the engine process serves
// (./methods.ts), behind the same EngineHost, for the CLI's one-shot commands (generate, convert, eval,
// classify, cpu evaluate, export, bench), where a second process would only cost its start-up. A TF.js
// backend is picked and started when a method needs one, not before: generation and scoring run on the
// inference kernels.
// Long training and `bgpt serve` keep the engine process, so Ctrl-C and crashes stay isolated there.
import { EngineHost } from './host';
import type { ControlAction } from './control';
import type { JobControl } from './methods';
import type { EngineArg, EngineMethod, EngineResult } from './protocol';

type Methods = typeof import('./methods');

export class InProcessEngineHost extends EngineHost {
  private methods: Promise<Methods> | null = null;
  private readonly jobs = new Map<string, JobControl>();
  private readonly running = new Set<Promise<unknown>>();

  start(): Promise<void> {
    if (!this.methods) {
      this.setStatus({ state: 'starting', error: null });
      this.methods = import('./methods');
      this.methods.then(
        () => this.setStatus(this.activityStatus()),
        (err: unknown) => this.setStatus({ state: 'crashed', error: String((err as Error)?.message ?? err) }),
      );
    }
    return this.methods.then(() => undefined);
  }

  async call<M extends EngineMethod>(method: M, arg: EngineArg<M>): Promise<EngineResult<M>> {
    await this.start();
    const m = await this.methods!;
    const run = m.runEngineCall(method, arg, this.jobs, (jobId, event) => this.emit('job', jobId, event));
    this.running.add(run);
    try {
      return (await run) as EngineResult<M>;
    } finally {
      this.running.delete(run);
      // The backend becomes known once a method started TF.js (training, the TF.js evaluator, classify, bench).
      const info = await m.startedEngineInfo();
      if (info && info.backend !== this._status.backend) this.setStatus({ backend: info.backend, adapter: info.adapter });
    }
  }

  control(jobId: string, action: ControlAction): void {
    this.jobs.get(jobId)?.apply(action);
  }

  /** Stops every job (training saves its last checkpoint) and waits for them; the deadline does not apply to one's own process. */
  async stop(): Promise<void> {
    for (const j of this.jobs.values()) j.apply('stop');
    await Promise.allSettled([...this.running]);
    this.clearActivities();
    this.setStatus({ state: 'stopped', activity: null });
  }
}
