// Small JSON files written beside the data (dataset manifests, run records, sample sidecars) so that
// Catalogue.recover can rebuild the database from the disk alone. Each is written atomically.
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../node/atomic';
import type { DatasetFileInput, DatasetKind, GpuAdapterInfo, Json, RunRow, Validity } from './types';

/** Bumped if a sidecar's shape changes incompatibly; readers skip files of another version. */
export const SIDECAR_VERSION = 1;

export interface DatasetManifest {
  version: number;
  id: string;
  name: string;
  source: string;
  kind: DatasetKind;
  created: number;
  stats: Json;
  files: DatasetFileInput[];
}

/** A run as its folder records it: the row without what the catalogue derives (dataset name, folder). */
export interface RunRecord extends Omit<RunRow, 'datasetName' | 'runDir' | 'adapter'> {
  version: number;
  /** Absent in records written before the adapter was kept (same sidecar version: they still load). */
  adapter?: GpuAdapterInfo | null;
}

export interface SampleSidecar {
  version: number;
  id: string;
  runId: string | null;
  checkpointStep: number | null;
  name: string;
  params: Json;
  ext: string;
  /** Stored form (relative to the home when inside it). */
  path: string;
  size: number;
  validity: Validity;
  validityReason: string | null;
  repaired: boolean;
  rating: number;
  tags: string[];
  notes: string;
  created: number;
}

export function writeSidecar(file: string, value: DatasetManifest | RunRecord | SampleSidecar): Promise<void> {
  return writeFileAtomic(file, JSON.stringify(value, null, 1) + '\n');
}

/** Reads a sidecar; null when absent, unparsable or of another version (the caller reports why). */
export async function readSidecar<T extends { version: number; id: string }>(file: string): Promise<T | null> {
  try {
    const value = JSON.parse(await fs.readFile(file, 'utf8')) as T;
    return value && value.version === SIDECAR_VERSION && typeof value.id === 'string' ? value : null;
  } catch {
    return null;
  }
}
