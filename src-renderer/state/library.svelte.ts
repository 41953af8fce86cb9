// Library view state: sample search and filters, the selected sample, and the runs' checkpoints
// (loaded when a run is opened).
import type { RunDetail, SampleInfo, SampleUpdate, Verdict } from '../../src-main/shared/contract';
import { errorText } from '../lib/format';
import type { Studio } from './studio.svelte';

/** Samples per page: enough to scroll, few enough to render at once. */
const PAGE_SIZE = 100;

export interface SampleFilters {
  text: string;
  ext: string;
  verdict: Verdict | '';
  minRating: number;
  tag: string;
}

export class LibraryState {
  readonly #studio: Studio;
  filters = $state<SampleFilters>({ text: '', ext: '', verdict: '', minRating: 0, tag: '' });
  samples = $state.raw<SampleInfo[]>([]);
  total = $state(0);
  error = $state<string | null>(null);
  selectedId = $state<string | null>(null);
  openRun = $state.raw<RunDetail | null>(null);
  selected = $derived(this.samples.find((s) => s.id === this.selectedId) ?? null);

  constructor(studio: Studio) {
    this.#studio = studio;
  }

  async refresh(): Promise<void> {
    const f = this.filters;
    try {
      const result = await this.#studio.api.listSamples({
        text: f.text.trim() || undefined,
        ext: f.ext.trim().replace(/^\./, '') || undefined,
        verdict: f.verdict || undefined,
        minRating: f.minRating || undefined,
        tag: f.tag.trim() || undefined,
        limit: PAGE_SIZE,
      });
      this.samples = result.samples;
      this.total = result.total;
      this.error = null;
    } catch (err) {
      this.error = `Could not search the samples: ${errorText(err)}`;
    }
  }

  async update(update: SampleUpdate): Promise<void> {
    const sample = await this.#studio.attempt('Saving the sample', () => this.#studio.api.updateSample(update));
    if (sample) this.samples = this.samples.map((s) => (s.id === sample.id ? sample : s));
  }

  async removeSample(sample: SampleInfo): Promise<void> {
    await this.#studio.attempt(`Deleting ${sample.name}`, () => this.#studio.api.deleteSample(sample.id));
    if (this.selectedId === sample.id) this.selectedId = null;
    await this.refresh();
  }

  async showRun(runId: string | null): Promise<void> {
    if (runId === null || this.openRun?.id === runId) {
      this.openRun = null;
      return;
    }
    this.openRun = (await this.#studio.attempt('Opening the run', () => this.#studio.api.getRun(runId))) ?? null;
  }

  async removeRun(runId: string): Promise<void> {
    await this.#studio.attempt('Deleting the run', () => this.#studio.api.deleteRun(runId));
    if (this.openRun?.id === runId) this.openRun = null;
    await this.#studio.refreshRuns();
  }
}
