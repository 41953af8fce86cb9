// Generate view state: the form, and the progress of generation jobs as their events stream in.
// Events are kept per job id because the first ones can arrive before generate() has answered.
import type { SampleInfo, StudioEvents } from '../../src-main/shared/contract';
import { errorText } from '../lib/format';
import { allValid, checkAll, normalizeExt } from '../lib/validate';
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

  errors = $derived(checkAll(this.form.sampling, SAMPLING_FIELDS));
  ext = $derived(normalizeExt(this.form.ext));
  extError = $derived(this.ext === null ? 'Extension: 1 to 32 letters, digits, _ . or -, such as abc or mid.' : null);
  fileError = $derived(this.form.inputKind !== 'none' && !this.form.file ? 'Choose the file to start from.' : null);
  valid = $derived(this.form.runId !== '' && allValid(this.errors) && this.extError === null && this.fileError === null);
  job = $derived(this.jobId ? (this.jobs[this.jobId] ?? emptyJob()) : null);
  running = $derived(this.job !== null && !this.job.done);

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
      const { jobId } = await this.#studio.api.generate(toGenerateRequest(this.form, this.ext, from, patchSize));
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
