// Paths the user chose in the desktop app's native dialog, kept on the trusted side. The renderer gets
// an opaque random handle and can import only what was granted to it, never a path it names itself
// (docs/security.md). `bgpt serve` never grants anything: a browser uploads bytes.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DialogSelection } from '../shared/contract';
import { UserError } from '../shared/errors';

/** A chosen set of paths stays usable this long: enough to type a dataset name, not forever. */
const GRANT_TTL_MS = 30 * 60 * 1000;
/** Older grants are dropped past this count, so a looping renderer cannot grow the map without bound. */
const MAX_GRANTS = 32;

export class PathGrants {
  private grants = new Map<string, { paths: string[]; expires: number }>();

  constructor(private now: () => number = Date.now) {}

  /** Records paths chosen in a native dialog; returns the handle the renderer may use. */
  grant(paths: string[]): DialogSelection {
    const selection = `sel_${randomBytes(16).toString('hex')}`;
    this.grants.set(selection, { paths: paths.map((p) => path.resolve(p)), expires: this.now() + GRANT_TTL_MS });
    while (this.grants.size > MAX_GRANTS) this.grants.delete(this.grants.keys().next().value!);
    return { selection, names: paths.map((p) => path.basename(p)) };
  }

  /** The paths behind a handle; one use only. */
  take(selection: string): string[] {
    const g = this.grants.get(selection);
    this.grants.delete(selection);
    if (!g || g.expires < this.now()) throw new UserError('that file selection is unknown or expired: choose the files again', 'BAD_SELECTION');
    return g.paths;
  }
}

/**
 * The one checkpoint file a model dialog chose (desktop `importModelPath`), and the reference trainer log
 * chosen with it, if any: a log is read only when the user selected it in the same dialog, never found
 * beside the file (docs/security.md). The handle is used up.
 */
export function grantedModelFile(grants: PathGrants, selection: string): { file: string; log: string | null } {
  const paths = grants.take(selection);
  // A zipped LoRA adapter folder (adapter-import.ts) imports as a model too, alone.
  const models = paths.filter((p) => /\.(pth|pt|zip)$/i.test(p));
  const logs = paths.filter((p) => /\.txt$/i.test(p));
  if (models.length !== 1 || logs.length > 1 || models.length + logs.length !== paths.length || (/\.zip$/i.test(models[0]) && logs.length > 0)) {
    throw new UserError(`choose one .pth/.pt file to import as a model, and at most its one logs-*.txt, or one zipped LoRA adapter (the selection holds ${paths.length} file(s))`, 'BAD_SELECTION');
  }
  return { file: models[0], log: logs[0] ?? null };
}
