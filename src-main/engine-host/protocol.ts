// Messages between the studio and its engine process (a Node child process under serve/CLI, an
// Electron utility process in the app). Structured clone carries them, so typed arrays pass as they are.
import type { GpuAdapterInfo } from '../shared/contract';
// The method map and the event map below are the one typed contract of this boundary (as StudioApi is for
// the UI's): the host's `call`, the engine's method table and every job event are checked against them.
import type {
  ClassifyJob, ClassifyOutcome, EvaluateJob, EvaluateOutcome, GenerateJob, GenerateOutcome, GeneratePatchEvent, SurprisalJob, SurprisalOutcome,
  TrainCheckpointEvent, TrainEvalEvent, TrainJob, TrainOutcome, TrainStepEvent,
} from './jobs';

/** What the engine process can be asked to do: each method's argument and result. */
export interface EngineMethods {
  train(job: TrainJob): TrainOutcome;
  generate(job: GenerateJob): GenerateOutcome;
  surprisal(job: SurprisalJob): SurprisalOutcome;
  evaluate(job: EvaluateJob): EvaluateOutcome;
  classify(job: ClassifyJob): ClassifyOutcome;
}
export type EngineMethod = keyof EngineMethods;
export type EngineArg<M extends EngineMethod> = Parameters<EngineMethods[M]>[0];
export type EngineResult<M extends EngineMethod> = ReturnType<EngineMethods[M]>;

/** Events a running job reports, by name. */
export interface EngineEvents {
  step: TrainStepEvent;
  eval: TrainEvalEvent;
  checkpoint: TrainCheckpointEvent;
  patch: GeneratePatchEvent;
  /** A paused run finished its update and now waits (the UI stops saying "pausing…"). */
  held: Record<string, never>;
}
export type EngineEventName = keyof EngineEvents;
/** One job event: its name and the payload that name carries. */
export type EngineJobEvent = { [E in EngineEventName]: { name: E; payload: EngineEvents[E] } }[EngineEventName];

export type EngineCall = { [M in EngineMethod]: { type: 'call'; seq: number; method: M; arg: EngineArg<M> } }[EngineMethod];

export type EngineRequest =
  | EngineCall
  /** Out-of-band control of a running job (pause/resume/stop a run, cancel a generation). */
  | { type: 'control'; jobId: string; action: 'pause' | 'resume' | 'stop' | 'cancel' }
  | { type: 'shutdown' };

export type EngineResponse =
  | { type: 'ready'; backend: string; adapter?: GpuAdapterInfo | null }
  | { type: 'reply'; seq: number; ok: true; value: unknown }
  | { type: 'reply'; seq: number; ok: false; error: { message: string; code: string; user: boolean } }
  | ({ type: 'event'; jobId: string } & EngineJobEvent)
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
