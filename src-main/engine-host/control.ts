// Control of one engine job from outside: training's pause / resume / stop (TrainControl, acted on
// between updates) plus an AbortSignal that generation checks between patches.
import { TrainControl } from '../engine/train/control';

export type ControlAction = 'pause' | 'resume' | 'stop' | 'cancel';

export class JobControl extends TrainControl {
  private readonly abort = new AbortController();

  /** Aborted by stop or cancel (generation keeps what it made so far). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  apply(action: ControlAction): void {
    if (action === 'pause') this.pause();
    else if (action === 'resume') this.resume();
    else {
      this.abort.abort();
      this.stop();
    }
  }
}
