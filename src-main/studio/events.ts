// The studio's event bus: typed StudioEvents fanned out to every transport (IPC, WebSocket, CLI).
import type { EventName, StudioEvents } from '../shared/contract';

export type StudioListener = (event: EventName, payload: unknown) => void;

export class StudioEventBus {
  private listeners = new Set<StudioListener>();

  emit<K extends EventName>(event: K, payload: StudioEvents[K]): void {
    for (const l of this.listeners) {
      try {
        l(event, payload);
      } catch {
        // A broken transport must not stop the others (or the training loop that emitted).
      }
    }
  }

  subscribe(listener: StudioListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}
