// The Models table's order (docs/models.md): each full model followed by the LoRA adapters tied to it, indented;
// adapters whose base is not a model of this catalogue (a run's checkpoint, or not imported yet) come last, each
// saying which base it needs. Pure functions over ModelInfo.
import type { ModelInfo } from '../../src-main/shared/contract';
import { formatBytes } from './format';

export interface ModelTreeRow {
  model: ModelInfo;
  /** 0: a full model (or an adapter without its base here); 1: an adapter under its base. */
  depth: 0 | 1;
}

/** Models in the catalogue's order with every adapter moved under its base. */
export function modelTree(models: ModelInfo[]): ModelTreeRow[] {
  const ids = new Set(models.map((m) => m.id));
  const under = new Map<string, ModelInfo[]>();
  const orphans: ModelInfo[] = [];
  for (const m of models) {
    if (!m.adapter) continue;
    const baseId = m.base?.id;
    if (baseId && ids.has(baseId)) under.set(baseId, [...(under.get(baseId) ?? []), m]);
    else orphans.push(m);
  }
  const rows: ModelTreeRow[] = [];
  for (const m of models) {
    if (m.adapter) continue;
    rows.push({ model: m, depth: 0 });
    for (const a of under.get(m.id) ?? []) rows.push({ model: a, depth: 1 });
  }
  for (const a of orphans) rows.push({ model: a, depth: 0 });
  return rows;
}

/** "adapter r8 · 9.4 MB": what the kind column says of an adapter. */
export function adapterLabel(m: Pick<ModelInfo, 'adapter'>): string | null {
  return m.adapter ? `adapter r${m.adapter.rank} · ${formatBytes(m.adapter.sizeBytes)}` : null;
}
