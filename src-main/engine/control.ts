// Pause / resume / stop for a training run, acted on between optimizer updates (an in-process
// wait: the model and optimizer stay in memory while paused).

export class TrainControl {
  private pausedFlag = false;
  private stopFlag = false;
  private wake: (() => void) | null = null;

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
    while (this.pausedFlag && !this.stopFlag) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }
}
