// Migration 1: the catalogue's tables (docs/ARCHITECTURE.md). Times are epoch milliseconds (INTEGER); JSON
// columns are checked with json_valid; paths under the studio home are stored relative to it.
import type { Migration } from './index';

const SQL = `
CREATE TABLE datasets (
  id      TEXT PRIMARY KEY,
  name    TEXT NOT NULL UNIQUE,
  source  TEXT NOT NULL,
  kind    TEXT NOT NULL CHECK (kind IN ('generative', 'conversion')),
  created INTEGER NOT NULL,
  stats   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(stats))
);

CREATE TABLE dataset_files (
  dataset_id    TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
  size          INTEGER NOT NULL CHECK (size >= 0),
  ext           TEXT NOT NULL,
  modality      TEXT NOT NULL,
  split         TEXT NOT NULL CHECK (split IN ('train', 'eval')),
  stored_path   TEXT NOT NULL,
  original_name TEXT NOT NULL,
  pair_key      TEXT,
  missing       INTEGER NOT NULL DEFAULT 0 CHECK (missing IN (0, 1)),
  PRIMARY KEY (dataset_id, sha256)
) WITHOUT ROWID;
-- Blob reference counts (deleting a dataset keeps blobs another dataset shares).
CREATE INDEX dataset_files_sha256 ON dataset_files(sha256);

CREATE TABLE runs (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  dataset_id     TEXT REFERENCES datasets(id) ON DELETE SET NULL,
  mode           TEXT NOT NULL CHECK (mode IN ('generative', 'conversion', 'classification')),
  conversion     TEXT,
  config         TEXT NOT NULL CHECK (json_valid(config)),
  preset         TEXT,
  backend        TEXT,
  status         TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'stopped', 'interrupted', 'failed', 'done')),
  created        INTEGER NOT NULL,
  started        INTEGER,
  ended          INTEGER,
  steps_done     INTEGER NOT NULL DEFAULT 0,
  steps_total    INTEGER,
  best_eval_loss REAL,
  best_eval_bpb  REAL,
  error          TEXT,
  run_dir        TEXT NOT NULL,
  -- The process recording a running/paused run: reconcile marks the run interrupted once it is gone.
  owner_pid      INTEGER
);
CREATE INDEX runs_created ON runs(created);
CREATE INDEX runs_dataset ON runs(dataset_id);

CREATE TABLE metrics (
  run_id           TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step             INTEGER NOT NULL,
  time             INTEGER NOT NULL,
  train_loss       REAL,
  eval_loss        REAL,
  eval_bpb         REAL,
  lr               REAL,
  bytes_per_second REAL,
  PRIMARY KEY (run_id, step)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
  id        INTEGER PRIMARY KEY,
  run_id    TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind      TEXT NOT NULL CHECK (kind IN ('best', 'last')),
  step      INTEGER NOT NULL,
  path      TEXT NOT NULL,
  eval_loss REAL,
  created   INTEGER NOT NULL,
  -- [{name, size, mtimeMs}] of the directory when recorded: completeness check and crash repair.
  files     TEXT NOT NULL CHECK (json_valid(files)),
  missing   INTEGER NOT NULL DEFAULT 0 CHECK (missing IN (0, 1)),
  UNIQUE (run_id, kind)
);

CREATE TABLE samples (
  id              TEXT PRIMARY KEY,
  run_id          TEXT REFERENCES runs(id) ON DELETE SET NULL,
  checkpoint_id   INTEGER REFERENCES checkpoints(id) ON DELETE SET NULL,
  checkpoint_step INTEGER,
  name            TEXT NOT NULL,
  params          TEXT NOT NULL CHECK (json_valid(params)),
  ext             TEXT NOT NULL,
  path            TEXT NOT NULL,
  size            INTEGER NOT NULL CHECK (size >= 0),
  validity        TEXT NOT NULL CHECK (validity IN ('valid', 'repaired', 'invalid')),
  validity_reason TEXT,
  repaired        INTEGER NOT NULL DEFAULT 0 CHECK (repaired IN (0, 1)),
  rating          INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
  notes           TEXT NOT NULL DEFAULT '',
  created         INTEGER NOT NULL,
  missing         INTEGER NOT NULL DEFAULT 0 CHECK (missing IN (0, 1))
);
CREATE INDEX samples_run ON samples(run_id, created);
CREATE INDEX samples_created ON samples(created);
CREATE INDEX samples_ext ON samples(ext, created);

CREATE TABLE sample_tags (
  sample_id TEXT NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  tag       TEXT NOT NULL,
  PRIMARY KEY (sample_id, tag)
) WITHOUT ROWID;
CREATE INDEX sample_tags_tag ON sample_tags(tag, sample_id);
`;

export const migration001: Migration = {
  version: 1,
  name: 'init',
  up: (tx) => tx.exec(SQL),
};
