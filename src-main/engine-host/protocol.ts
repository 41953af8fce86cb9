// Messages between the studio and its engine process (a Node child process under serve/CLI, an
// Electron utility process in the app; the CLI's in-process host calls the same methods directly).
// Structured clone carries them, so typed arrays pass as they are.
import type { GpuAdapterInfo } from '../shared/contract';
// The method map and the event map below are the one typed contract of this boundary (as StudioApi is for
// the UI's): the host's `call`, the engine's method table and every job event are checked against them.
import type {
  BenchJob, ClassifyJob, ClassifyOutcome, EvaluateJob, EvaluateOutcome, ExportJob, ExportOutcome, GenerateJob, GenerateOutcome, GeneratePatchEvent,
  NoteEvent, SurprisalJob, SurprisalOutcome, TrainCheckpointEvent, TrainEvalEvent, TrainJob, TrainOutcome, TrainStepEvent,
} from './jobs';
import type { BenchReport, PaperBenchReport } from './bench-job';

/** What the engine can be asked to do: each method's argument and result. */
export interface EngineMethods {
  train(job: TrainJob): TrainOutcome;
  /** `count` samples in one job: batched where the sampler allows, each what a single run with its seed makes. */
  generate(job: GenerateJob): GenerateOutcome;
  /** Per-byte bits of a file on the cached inference kernels, and its score as evaluation computes it. */
  surprisal(job: SurprisalJob): SurprisalOutcome;
  evaluate(job: EvaluateJob): EvaluateOutcome;
  classify(job: ClassifyJob): ClassifyOutcome;
  /** A checkpoint written for the reference PyTorch trainers. */
  exportTorch(job: ExportJob): ExportOutcome;
  /** The training and generation bench (`bgpt bench`). */
  bench(job: BenchJob): BenchReport | PaperBenchReport;
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
  /** A line of progress to show (why the kernels score, what the bench is timing). */
  note: NoteEvent;
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
