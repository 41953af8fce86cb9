// Migration 3: validity and memorisation (docs/music.md–§5). The valid-sample rate measured at each
// evaluation (beside the eval loss) and on each checkpoint; per sample, how much of it is copied
// verbatim from the training files, its closest training file, a copy flag, and the guidance shown
// for it (why it failed, what to try). Old rows keep NULL: "not measured", never a made-up zero.
import type { Migration } from './index';

const SQL = `
ALTER TABLE metrics ADD COLUMN valid_rate REAL CHECK (valid_rate IS NULL OR (valid_rate >= 0 AND valid_rate <= 1));
ALTER TABLE checkpoints ADD COLUMN valid_rate REAL CHECK (valid_rate IS NULL OR (valid_rate >= 0 AND valid_rate <= 1));
ALTER TABLE samples ADD COLUMN copied_share REAL CHECK (copied_share IS NULL OR (copied_share >= 0 AND copied_share <= 1));
ALTER TABLE samples ADD COLUMN closest_file TEXT;
ALTER TABLE samples ADD COLUMN is_copy INTEGER CHECK (is_copy IS NULL OR is_copy IN (0, 1));
-- {causes: string[], advice: string[], stoppedAtWindow: boolean}
ALTER TABLE samples ADD COLUMN guidance TEXT CHECK (guidance IS NULL OR json_valid(guidance));
`;

export const migration003: Migration = {
  version: 3,
  name: 'music',
  up: (tx) => tx.exec(SQL),
};
