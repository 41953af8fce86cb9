// Worker threads that share one model's wasm memory and help with each step of a position (shard.ts).
// A step is tens to hundreds of microseconds of work at paper size and a byte takes 13 of them, so the
// hand-off must cost microseconds: the caller writes the step into a small shared control block and
// bumps a sequence number; every thread (the caller too) then claims the step's chunks one at a time
// with an atomic compare-exchange until none is left, and the caller waits until all are done. Chunks
// are claimed, not assigned: a worker that the OS has not scheduled yet costs nothing (the caller runs
// its chunks), which matters on a busy machine. Waiting threads spin for SPIN_MS before sleeping in
// Atomics.wait, so a generation never sleeps between steps and an idle model costs no CPU.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startEntryWorker } from '../../node/entry-worker';
import { UserError } from '../../shared/errors';
import type { WasmMemory, WasmModule } from './arena';
import { PHASE, type Layout, type Shard, type Step } from './shard';

/** Threads used when neither the caller nor BGPT_THREADS says: every core the process may use, up to this. */
export const DEFAULT_MAX_THREADS = 4;
/** The most threads a model may use (heads and columns are split between them). */
export const MAX_THREADS = 16;

/** How long a waiting thread spins before it sleeps (ms): longer than any gap between steps of one generation. */
const SPIN_MS = 0.1;
/** A step that takes longer than this means a worker died: the caller gives up with an error. */
const STALL_MS = 120_000;
/**
 * A worker the OS stopped in the middle of a chunk keeps the caller waiting for a whole time slice; on a
 * machine whose cores are busy with other work that happens every few milliseconds and two threads
 * run slower than one. So a wait longer than LATE_MS (and than the caller's own share of the step)
 * sends the caller on alone for SOLO_MS, after which it tries the workers again.
 */
const LATE_MS = 0.5;
const SOLO_MS = 200;

/**
 * The threads to use: `asked` (an option), else BGPT_THREADS, else the cores this process may use
 * (os.availableParallelism, which honours CPU affinity) up to DEFAULT_MAX_THREADS. A bad value is a UserError.
 */
export function threadCount(asked?: number, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = env.BGPT_THREADS;
  const n = asked ?? (fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : Math.min(availableParallelism(), DEFAULT_MAX_THREADS));
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_THREADS)) {
    throw new UserError(`threads must be a whole number from 1 to ${MAX_THREADS}, got ${asked ?? fromEnv}`, 'BAD_ARGS');
  }
  return n;
}

// The control block: Int32 words; the claim and done counters on their own 64-byte lines.
const LINE = 16;
/** The step: its fields, then the number of chunks. */
const PHASE_W = 0, STACK = 1, LAYER = 2, ROWS = 3, PREFILL = 4, POS = 5, TOTAL = 6;
/** (sequence number << 8) | chunks claimed so far: one word, so a late claim for an old step fails. */
const CLAIM = LINE;
/** Chunks finished in the current step. */
const DONE = 2 * LINE;
/** Whether the caller sleeps waiting for DONE; how many workers sleep waiting for CLAIM; whether one failed. */
const CALLER_SLEEPS = 3 * LINE, SLEEPERS = 3 * LINE + 1, FAILED = 3 * LINE + 2;
const WORDS = 4 * LINE;
/** Sequence numbers live in the claim word's upper 23 bits. */
const SEQ_MASK = 0x7fffff;
const MAX_CHUNKS_PER_STEP = 255;

/** What a worker is started with. */
export interface WorkerInit {
  module: WasmModule;
  memory: WasmMemory;
  layout: Layout;
  control: SharedArrayBuffer;
  thread: number;
}

/** Reads the step the caller posted. */
function readStep(c: Int32Array): Step {
  return { phase: c[PHASE_W] as Step['phase'], stack: c[STACK] as 0 | 1, layer: c[LAYER], rows: c[ROWS], prefill: c[PREFILL] === 1, pos: c[POS] };
}

/**
 * Claims and runs chunks of step `seq` until none is left (or the step is over); the prelude runs
 * before the first claim, and only when a chunk is left to take.
 */
function helpWith(c: Int32Array, shard: Shard, seq: number, step: Step, total: number): void {
  let prepared = false;
  for (;;) {
    const v = Atomics.load(c, CLAIM);
    if (v >>> 8 !== seq || (v & 0xff) >= total) return;
    if (!prepared) {
      shard.prelude(step);
      prepared = true;
      continue; // the step may have moved on while this thread prepared
    }
    if (Atomics.compareExchange(c, CLAIM, v, v + 1) !== v) continue;
    shard.chunk(step, v & 0xff);
    if (Atomics.add(c, DONE, 1) + 1 === total && Atomics.load(c, CALLER_SLEEPS) === 1) Atomics.notify(c, DONE);
  }
}

/** The worker's loop (worker.ts): wait for a step, help with it; until the stop step. */
export function serveSteps(c: Int32Array, shard: Shard): void {
  let seen = -1;
  for (;;) {
    let seq = Atomics.load(c, CLAIM) >>> 8;
    if (seq === seen) {
      const until = performance.now() + SPIN_MS;
      let spins = 0;
      while (seq === seen) {
        const v = Atomics.load(c, CLAIM);
        seq = v >>> 8;
        if (seq !== seen || (++spins & 1023) !== 0 || performance.now() < until) continue;
        Atomics.add(c, SLEEPERS, 1);
        Atomics.wait(c, CLAIM, v);
        Atomics.sub(c, SLEEPERS, 1);
        seq = Atomics.load(c, CLAIM) >>> 8;
      }
    }
    seen = seq;
    const step = readStep(c);
    if (step.phase === PHASE.stop) return;
    try {
      helpWith(c, shard, seq, step, c[TOTAL]);
    } catch (e) {
      Atomics.store(c, FAILED, 1);
      process.stderr.write(`inference worker ${shard.t}: ${e instanceof Error ? e.stack : String(e)}\n`);
      // The caller sees FAILED once it has waited for this chunk: count it done so it does not wait forever.
      Atomics.add(c, DONE, 1);
      Atomics.notify(c, DONE);
    }
  }
}

/** Worker threads that share a model's memory; `run` does one step with all of them (this thread included). */
export class ThreadPool {
  private readonly c: Int32Array;
  private seq = 0;
  private closed = false;

  private constructor(private readonly workers: Worker[], control: SharedArrayBuffer, private readonly own: Shard) {
    this.c = new Int32Array(control);
  }

  /** Starts threads - 1 workers over `memory` (thread 0 is the caller's, `own`); resolves once every one is ready. */
  static async start(module: WasmModule, memory: WasmMemory, layout: Layout, own: Shard, threads: number): Promise<ThreadPool> {
    const control = new SharedArrayBuffer(WORDS * 4);
    // No step yet: sequence 0 with every chunk (of none) claimed.
    Atomics.store(new Int32Array(control), CLAIM, 0xff);
    const workers: Worker[] = [];
    try {
      await Promise.all(Array.from({ length: threads - 1 }, (_, i) => {
        const init: WorkerInit = { module, memory, layout, control, thread: i + 1 };
        const w = startEntryWorker('infer-worker', init);
        workers.push(w);
        return new Promise<void>((resolve, reject) => {
          w.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(`inference worker failed to start: ${m.error}`))));
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`inference worker exited with code ${code} while starting`)));
        });
      }));
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    // Idle workers sleep in Atomics.wait and must not keep the process alive; close() ends them.
    for (const w of workers) w.unref();
    return new ThreadPool(workers, control, own);
  }

  /** Threads in all, the caller's included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** The worker threads (diagnostics and tests: each ends when the pool closes). */
  get workerThreads(): readonly Worker[] {
    return this.workers;
  }

  /** Runs `step` with every thread's help and returns when all its chunks are done. */
  run(step: Step): void {
    if (this.closed) throw new Error('the inference threads were stopped (the model was disposed)');
    const started = performance.now();
    if (started < this.soloUntil) {
      this.own.run(step);
      this.stats.solo++;
      return;
    }
    const total = this.own.chunks(step.phase);
    if (total > MAX_CHUNKS_PER_STEP) throw new Error(`a step of ${total} chunks is more than ${MAX_CHUNKS_PER_STEP}`);
    const c = this.c;
    this.post(step, total);
    helpWith(c, this.own, this.seq, step, total);
    this.stats.shared++;
    if (Atomics.load(c, DONE) !== total) {
      const waitFrom = performance.now();
      this.awaitDone(total);
      const waited = performance.now() - waitFrom;
      if (waited > LATE_MS && waited > waitFrom - started) {
        this.soloUntil = performance.now() + SOLO_MS;
        this.stats.late++;
      }
    }
    if (Atomics.load(c, FAILED) === 1) throw new Error('an inference worker thread failed (its error is on stderr)');
  }

  /** Steps run with the workers and alone, and how often a late worker sent the caller on alone (docs/performance.md). */
  readonly stats = { shared: 0, solo: 0, late: 0 };
  private soloUntil = 0;

  private post(step: Step, total: number): void {
    const c = this.c;
    c[PHASE_W] = step.phase;
    c[STACK] = step.stack;
    c[LAYER] = step.layer;
    c[ROWS] = step.rows;
    c[PREFILL] = step.prefill ? 1 : 0;
    c[POS] = step.pos;
    c[TOTAL] = total;
    Atomics.store(c, DONE, 0);
    this.seq = (this.seq + 1) & SEQ_MASK;
    // The release that publishes the fields above: a worker reads them after it sees the new sequence.
    Atomics.store(c, CLAIM, this.seq << 8);
    if (Atomics.load(c, SLEEPERS) > 0) Atomics.notify(c, CLAIM);
  }

  /** Waits for chunks other threads claimed: spins, then sleeps; a stall this long means a worker died. */
  private awaitDone(total: number): void {
    const c = this.c;
    const spinUntil = performance.now() + SPIN_MS;
    const stallAt = performance.now() + STALL_MS;
    let spins = 0;
    for (let done = Atomics.load(c, DONE); done !== total; done = Atomics.load(c, DONE)) {
      if ((++spins & 1023) !== 0) continue;
      const now = performance.now();
      if (now < spinUntil) continue;
      if (now > stallAt) throw new Error('an inference worker thread stopped responding');
      Atomics.store(c, CALLER_SLEEPS, 1);
      Atomics.wait(c, DONE, done, 100);
      Atomics.store(c, CALLER_SLEEPS, 0);
    }
  }

  /** Ends the workers (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.post({ phase: PHASE.stop, stack: 0, layer: 0, rows: 0, prefill: false, pos: 0 }, 0);
    Atomics.notify(this.c, CLAIM);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
