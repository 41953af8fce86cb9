// Pause / resume / stop for a training run, acted on between optimizer updates (an in-process
// wait: the model and optimizer stay in memory while paused).

export class TrainControl {
  private pausedFlag = false;
  private stopFlag = false;
  private wake: (() => void) | null = null;
  /**
   * Called once each time the loop actually stops stepping for a pause: the studio says "pausing…"
   * until then, since the update under way (seconds on a big model) still finishes first.
   */
  onHold: (() => void) | null = null;

  get paused(): boolean {
    return this.pausedFlag;
  }

  get stopRequested(): boolean {
    return this.stopFlag;
  }

  /** Holds the loop before its next update. */
  pause(): void {
    this.pausedFlag = true;
  }

  /** Lets a paused loop continue. */
  resume(): void {
    this.pausedFlag = false;
    this.wake?.();
  }

  /** Ends the run after the current update; `last/` is saved with its resume state. */
  stop(): void {
    this.stopFlag = true;
    this.wake?.();
  }

  /** Resolves at once unless paused; while paused, when resumed or stopped. */
  async waitWhilePaused(): Promise<void> {
    // One turn of the event loop between updates: a training step on the wasm/cpu backends resolves
    // through microtasks only, so without it a pause or stop message from the studio (IPC, a
    // macrotask) would wait until the next evaluation's file I/O — i.e. pause would not pause.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.pausedFlag && !this.stopFlag) this.onHold?.();
    while (this.pausedFlag && !this.stopFlag) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }
}
