// The catalogue's report cards (migration 005): a checkpoint's card, made once over N samples, kept so the
// Library and the run monitor show it without sampling again (docs/music.md). The card's content is
// studio/report-card.ts's; this store keeps it whole as JSON beside the columns it is looked up by.
import type { Db } from './db';
import { json } from './store';
import { newId } from './paths';

export interface NewReportCard {
  runId: string | null;
  modelId: string | null;
  /** 'best' or 'last' of the run, or the checkpoint's path for one made outside the catalogue. */
  checkpoint: string;
  step: number | null;
  datasetId: string | null;
  ext: string;
  samples: number;
  card: Record<string, unknown>;
}

export interface ReportCardRow extends NewReportCard {
  id: string;
  created: number;
}

interface ReportCardSql {
  id: string; run_id: string | null; model_id: string | null; checkpoint: string; step: number | null;
  dataset_id: string | null; ext: string; samples: number; created: number; card: string;
}

const row = (r: ReportCardSql): ReportCardRow => ({
  id: r.id, runId: r.run_id, modelId: r.model_id, checkpoint: r.checkpoint, step: r.step, datasetId: r.dataset_id,
  ext: r.ext, samples: r.samples, created: r.created, card: JSON.parse(r.card) as Record<string, unknown>,
});

export class ReportCardStore {
  constructor(private readonly db: Db) {}

  async insert(c: NewReportCard): Promise<ReportCardRow> {
    const id = newId('rc');
    const created = Date.now();
    // A run or dataset deleted meanwhile: keep the card, unlinked (the run's cards go with it on delete).
    const runId = c.runId && (await this.db.get('SELECT 1 FROM runs WHERE id = ?', [c.runId])) ? c.runId : null;
    const datasetId = c.datasetId && (await this.db.get('SELECT 1 FROM datasets WHERE id = ?', [c.datasetId])) ? c.datasetId : null;
    await this.db.run(
      'INSERT INTO report_cards (id, run_id, model_id, checkpoint, step, dataset_id, ext, samples, created, card) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [id, runId, c.modelId, c.checkpoint, c.step, datasetId, c.ext, c.samples, created, json(c.card, 'report card')]);
    return { ...c, runId, datasetId, id, created };
  }

  /** A run's cards (or a model's), newest first. */
  async list(owner: { runId?: string; modelId?: string }): Promise<ReportCardRow[]> {
    const rows = owner.runId
      ? await this.db.all<ReportCardSql>('SELECT * FROM report_cards WHERE run_id = ? ORDER BY created DESC, rowid DESC', [owner.runId])
      : await this.db.all<ReportCardSql>('SELECT * FROM report_cards WHERE model_id = ? ORDER BY created DESC, rowid DESC', [owner.modelId ?? '']);
    return rows.map(row);
  }

  /** The newest card of each run that has one (the Library's column). */
  async latestByRun(): Promise<Map<string, ReportCardRow>> {
    const rows = await this.db.all<ReportCardSql>(
      `SELECT * FROM report_cards r WHERE run_id IS NOT NULL AND created = (SELECT MAX(created) FROM report_cards s WHERE s.run_id = r.run_id) ORDER BY created DESC`);
    const out = new Map<string, ReportCardRow>();
    for (const r of rows) if (!out.has(r.run_id!)) out.set(r.run_id!, row(r));
    return out;
  }
}
