// The Classify view's state: which classification run (and checkpoint) labels the files, the files
// dropped so far and their label probabilities (StudioApi.classify).
import type { ClassifyResult, StudioApi } from '../../src-main/shared/contract';
import { errorText } from '../lib/format';

/** Files per classify call: the contract's limit. */
export const MAX_FILES_PER_CALL = 64;
/** Labels listed under each file. */
export const TOP_LABELS = 5;

export interface ClassifiedFile {
  name: string;
  label: string;
  /** The top labels, most probable first. */
  top: Array<{ label: string; p: number }>;
}

/** The most probable labels of one result file. */
export function topLabels(probabilities: Record<string, number>, n = TOP_LABELS): Array<{ label: string; p: number }> {
  return Object.entries(probabilities).map(([label, p]) => ({ label, p })).sort((a, b) => b.p - a.p).slice(0, n);
}

export class ClassifyState {
  runId = $state('');
  checkpoint = $state<'best' | 'last'>('best');
  busy = $state(false);
  error = $state<string | null>(null);
  results = $state.raw<ClassifiedFile[]>([]);
  labels = $state.raw<string[]>([]);

  constructor(private readonly api: StudioApi) {}

  /** Classifies the files with the chosen run; newest results first. */
  async classify(files: File[]): Promise<void> {
    if (!this.runId || files.length === 0) return;
    this.busy = true;
    this.error = null;
    try {
      const out: ClassifiedFile[] = [];
      for (let i = 0; i < files.length; i += MAX_FILES_PER_CALL) {
        const part = files.slice(i, i + MAX_FILES_PER_CALL);
        const payload = await Promise.all(part.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
        const r: ClassifyResult = await this.api.classify({ from: { kind: 'run', runId: this.runId, checkpoint: this.checkpoint }, files: payload });
        this.labels = r.labels;
        out.push(...r.files.map((f) => ({ name: f.path, label: f.label, top: topLabels(f.probabilities) })));
      }
      this.results = [...out, ...this.results];
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.busy = false;
    }
  }

  clear(): void {
    this.results = [];
  }
}
