// Messages between the studio and its engine process (a Node child process under serve/CLI, an
// Electron utility process in the app). Structured clone carries them, so typed arrays pass as they are.
import type { GpuAdapterInfo } from '../shared/contract';

export type EngineRequest =
  | { type: 'call'; seq: number; method: string; arg: unknown }
  /** Out-of-band control of a running job (pause/resume/stop a run, cancel a generation). */
  | { type: 'control'; jobId: string; action: 'pause' | 'resume' | 'stop' | 'cancel' }
  | { type: 'shutdown' };

export type EngineResponse =
  | { type: 'ready'; backend: string; adapter?: GpuAdapterInfo | null }
  | { type: 'reply'; seq: number; ok: true; value: unknown }
  | { type: 'reply'; seq: number; ok: false; error: { message: string; code: string; user: boolean } }
  | { type: 'event'; jobId: string; name: string; payload: unknown }
  | { type: 'fatal'; message: string };

/** The two ends a host needs from a process: send, receive, exit, kill. */
export interface EngineProcess {
  send(msg: EngineRequest): void;
  onMessage(listener: (msg: EngineResponse) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

/** Lets the worker talk to its parent in either runtime without importing electron. */
export interface ParentPort {
  post(msg: EngineResponse): void;
  onMessage(listener: (msg: EngineRequest) => void): void;
}
