// Generate view state: the form, and the progress of generation jobs as their events stream in.
// Events are kept per job id because the first ones can arrive before generate() has answered.
import type { SampleInfo, StudioEvents } from '../../src-main/shared/contract';
import { errorText } from '../lib/format';
import { allValid, checkAll, normalizeExt } from '../lib/validate';
import { windowDataBytes } from '../../src-main/shared/config';
import { defaultGenerateForm, SAMPLING_FIELDS, toGenerateRequest } from './generate-form';
import { checkpointRef } from '../lib/refs';
import type { Studio } from './studio.svelte';

export interface JobProgress {
  count: number;
  /** Index of the sample being written. */
  index: number;
  patches: number;
  bytes: number;
  samples: SampleInfo[];
  done: boolean;
  error: string | null;
}

function emptyJob(): JobProgress {
  return { count: 0, index: 0, patches: 0, bytes: 0, samples: [], done: false, error: null };
}

export class GenerateState {
  readonly #studio: Studio;
  form = $state(defaultGenerateForm());
  jobs = $state<Record<string, JobProgress>>({});
  jobId = $state<string | null>(null);
  startError = $state<string | null>(null);
  starting = $state(false);
  /** Said above the form when a hand-off set its prompt ("Continues coleraine.abc: its first 4 bars…"). */
  promptNote = $state<string | null>(null);

  errors = $derived(checkAll(this.form.sampling, SAMPLING_FIELDS));
  ext = $derived(normalizeExt(this.form.ext));
  extError = $derived(this.ext === null ? 'Extension: 1 to 32 letters, digits, _ . or -, such as abc or mid.' : null);
  fileError = $derived(this.form.inputKind !== 'none' && !this.form.file ? 'Choose the file to start from.' : null);
  valid = $derived(this.form.runId !== '' && allValid(this.errors) && this.extError === null && this.fileError === null);
  job = $derived(this.jobId ? (this.jobs[this.jobId] ?? emptyJob()) : null);
  running = $derived(this.job !== null && !this.job.done);
  /** Samples of the earlier jobs of this session, newest first: a new batch does not clear them. */
  earlier = $derived(Object.entries(this.jobs).filter(([id]) => id !== this.jobId).flatMap(([, j]) => j.samples).reverse());
  /** The data bytes the chosen run's (or model's) window holds: nothing longer can be written. */
  window = $derived.by(() => {
    const id = this.form.runId;
    const source = this.#studio.runs.find((r) => r.id === id) ?? this.#studio.models.models.find((m) => m.id === id);
    return source ? windowDataBytes(source.config) : null;
  });
  /** Max bytes as sent: never past the window (the API refuses that), and said (issue 24 item 9: never capped silently). */
  maxBytesSent = $derived(this.window !== null && this.form.sampling.maxBytes !== null && this.form.sampling.maxBytes > this.window ? this.window : this.form.sampling.maxBytes);
  maxBytesNote = $derived(this.maxBytesSent !== this.form.sampling.maxBytes && this.window !== null
    ? `Past this run's window: ${this.window.toLocaleString()} bytes will be asked for, the most one window holds (prompt included).`
    : null);

  constructor(studio: Studio) {
    this.#studio = studio;
  }

  async start(): Promise<void> {
    if (!this.valid || this.ext === null) return;
    this.starting = true;
    this.startError = null;
    try {
      const models = this.#studio.models.models;
      const source = this.#studio.runs.find((r) => r.id === this.form.runId) ?? models.find((m) => m.id === this.form.runId);
      const patchSize = source?.config.patchSize;
      const from = checkpointRef(this.form.runId, this.form.checkpoint, models);
      const req = toGenerateRequest(this.form, this.ext, from, patchSize);
      // Max bytes past the window is sent as the window (and the form said so: maxBytesNote).
      const { jobId } = await this.#studio.api.generate({ ...req, sampling: { ...req.sampling, maxBytes: this.maxBytesSent ?? undefined } });
      this.jobs[jobId] ??= emptyJob();
      this.jobId = jobId;
    } catch (err) {
      this.startError = `Generation could not start: ${errorText(err)}`;
    } finally {
      this.starting = false;
    }
  }

  async cancel(): Promise<void> {
    const jobId = this.jobId;
    if (jobId) await this.#studio.attempt('Cancelling', () => this.#studio.api.cancelGenerate(jobId));
  }

  /** One generateProgress event: a finished patch, a saved sample, or the end of the job. */
  progress(e: StudioEvents['generateProgress']): void {
    const job = (this.jobs[e.jobId] ??= emptyJob());
    job.count = e.count;
    job.index = e.index;
    job.patches = e.patches;
    job.bytes = e.bytes;
    if (e.sample) job.samples.push(e.sample);
    if (e.error) job.error = e.error;
    if (e.done) job.done = true;
  }
}
