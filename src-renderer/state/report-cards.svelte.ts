// A run's report cards (docs/music.md, "A report card per checkpoint"): the stored ones, and making a new
// one over N samples in the studio (progress from reportCard events). One instance per panel that shows them.
import type { ReportCard, StudioApi } from '../../src-main/shared/contract';
import { errorText } from '../lib/format';

export class ReportCardsState {
  readonly #api: StudioApi;
  cards = $state.raw<ReportCard[]>([]);
  /** Samples judged so far of the card being made (null: none being made). */
  making = $state.raw<{ jobId: string; done: number; count: number } | null>(null);
  error = $state<string | null>(null);
  #runId: string | null = null;

  constructor(api: StudioApi) {
    this.#api = api;
  }

  /** Follows cards being made for this panel's run; returns the unsubscribe. */
  listen(): () => void {
    return this.#api.onReportCard((e) => {
      if (!this.making || e.jobId !== this.making.jobId) return;
      if (e.error) {
        this.error = `The report card could not be made: ${e.error}`;
        this.making = null;
      } else if (e.card) {
        this.cards = [e.card, ...this.cards];
        this.making = null;
      } else {
        this.making = { jobId: e.jobId, done: e.done, count: e.count };
      }
    });
  }

  async load(runId: string): Promise<void> {
    this.#runId = runId;
    try {
      this.cards = await this.#api.getReportCards(runId);
      this.error = null;
    } catch (err) {
      this.error = `Could not read the report cards: ${errorText(err)}`;
    }
  }

  async make(count = 20): Promise<void> {
    if (!this.#runId || this.making) return;
    this.error = null;
    try {
      const { jobId } = await this.#api.makeReportCard({ from: this.#runId.startsWith('mdl_') ? { kind: 'model', modelId: this.#runId } : { kind: 'run', runId: this.#runId, checkpoint: 'best' }, count });
      this.making ??= { jobId, done: 0, count };
    } catch (err) {
      this.error = `The report card could not be made: ${errorText(err)}`;
    }
  }
}
