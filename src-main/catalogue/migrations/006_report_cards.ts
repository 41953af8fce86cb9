// Migration 6: report cards (docs/music.md, "A report card per checkpoint"). One row per card made for a
// checkpoint: which run (or model) and checkpoint, the dataset it was compared with, the extension, how
// many samples, when, and the card itself as JSON (valid rates, copy rate, closeness to the training
// music per feature). Stored so the Library and the run monitor show it without making it again; a run's
// cards go with the run; a deleted dataset leaves its cards, unlinked.
import type { Migration } from './index';

const SQL = `
CREATE TABLE report_cards (
  id          TEXT PRIMARY KEY,
  run_id      TEXT REFERENCES runs(id) ON DELETE CASCADE,
  model_id    TEXT,
  checkpoint  TEXT NOT NULL,
  step        INTEGER,
  dataset_id  TEXT REFERENCES datasets(id) ON DELETE SET NULL,
  ext         TEXT NOT NULL,
  samples     INTEGER NOT NULL CHECK (samples >= 1),
  created     INTEGER NOT NULL,
  card        TEXT NOT NULL CHECK (json_valid(card) AND json_type(card) = 'object')
);
CREATE INDEX report_cards_run ON report_cards(run_id, created);
`;

export const migration006: Migration = {
  version: 6,
  name: 'report-cards',
  up: (tx) => tx.exec(SQL),
};
