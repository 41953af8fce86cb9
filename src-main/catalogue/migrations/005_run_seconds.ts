// Migration 5: the running time of each recorded step (docs/walkthrough.md, "Time"): seconds the run
// had spent training and evaluating when the step finished, pauses excluded, counted on across
// resumes. The ETA and the time estimates come from it (shared/eta.ts), so a pause never moves them.
// Old rows keep NULL: "not measured", never a made-up time.
import type { Migration } from './index';

const SQL = `
ALTER TABLE metrics ADD COLUMN run_seconds REAL CHECK (run_seconds IS NULL OR run_seconds >= 0);
`;

export const migration005: Migration = {
  version: 5,
  name: 'run-seconds',
  up: (tx) => tx.exec(SQL),
};
