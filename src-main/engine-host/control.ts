// Pause / resume / stop / cancel of one engine job, as the job itself sees it between steps.

export type ControlAction = 'pause' | 'resume' | 'stop' | 'cancel';

export class JobControl {
  private readonly abort = new AbortController();
  private paused = false;
  private waiters: Array<() => void> = [];

  /** Aborted by stop (training saves its last checkpoint) or cancel (generation keeps what it made). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get isPaused(): boolean {
    return this.paused && !this.abort.signal.aborted;
  }

  apply(action: ControlAction): void {
    if (action === 'pause') this.paused = true;
    else {
      if (action === 'resume') this.paused = false;
      else this.abort.abort();
      for (const w of this.waiters.splice(0)) w();
    }
  }

  /** Resolves at once unless paused; then when resumed or stopped. */
  waitWhilePaused(): Promise<void> {
    if (!this.isPaused) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
