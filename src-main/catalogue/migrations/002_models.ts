// Migration 2: published and imported models (docs/models.md). A model is one PyTorch checkpoint file
// kept as imported under `<home>/models/<id>/` (the engine reads .pth directly, so no second 440 MB
// copy); `model_metrics` holds the curves of the reference trainer's log imported beside it.
import type { Migration } from './index';

const SQL = `
CREATE TABLE models (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  -- Where it came from: an absolute file path, a URL, 'export' or 'run'.
  source     TEXT NOT NULL,
  -- The file cannot tell generative from conversion weights: the name/URL or the user does.
  kind       TEXT NOT NULL CHECK (kind IN ('generative', 'conversion', 'classifier')),
  config     TEXT NOT NULL CHECK (json_valid(config)),
  parameters INTEGER NOT NULL CHECK (parameters >= 0),
  size       INTEGER NOT NULL CHECK (size >= 0),
  sha256     TEXT NOT NULL CHECK (length(sha256) = 64),
  labels     TEXT CHECK (labels IS NULL OR json_valid(labels)),
  -- Training state the file carried (epoch, best_epoch, min_eval_loss, optimizer present).
  meta       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(meta)),
  created    INTEGER NOT NULL,
  -- The model file, relative to the home.
  path       TEXT NOT NULL,
  status     TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'missing'))
);
CREATE INDEX models_created ON models(created);
CREATE INDEX models_sha256 ON models(sha256);

CREATE TABLE model_metrics (
  model_id   TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  epoch      INTEGER NOT NULL,
  train_loss REAL,
  eval_loss  REAL,
  PRIMARY KEY (model_id, epoch)
) WITHOUT ROWID;
`;

export const migration002: Migration = {
  version: 2,
  name: 'models',
  up: (tx) => tx.exec(SQL),
};
