// Datasets view state: the selected dataset with its files, its context fit for a chosen preset, and
// imports (browser upload or Electron's native dialog) with their report.
import type { ContextFit, DatasetDetail, DialogSelection, ImportReport } from '../../src-main/shared/contract';
import { errorText } from '../lib/format';
import { UPLOAD_BATCH_BYTES } from '../../src-main/shared/wire';
import { mergeReports, uploadBatches } from '../lib/uploads';
import type { Studio } from './studio.svelte';

const DEFAULT_IMPORT_NAME = 'My files';

export class DatasetsState {
  readonly #studio: Studio;
  selectedId = $state<string | null>(null);
  detail = $state.raw<DatasetDetail | null>(null);
  fit = $state.raw<ContextFit | null>(null);
  fitPreset = $state('tiny');
  detailError = $state<string | null>(null);

  importName = $state(DEFAULT_IMPORT_NAME);
  importing = $state(false);
  report = $state.raw<ImportReport | null>(null);
  importError = $state<string | null>(null);

  constructor(studio: Studio) {
    this.#studio = studio;
  }

  /** Opens a dataset: its files first, then which of them fit the chosen preset's window. */
  async select(datasetId: string): Promise<void> {
    this.selectedId = datasetId;
    this.detailError = null;
    try {
      this.detail = await this.#studio.api.getDataset(datasetId);
      await this.refit();
    } catch (err) {
      this.detail = null;
      this.detailError = `Could not open the dataset: ${errorText(err)}`;
    }
  }

  async refit(): Promise<void> {
    if (!this.selectedId) return;
    try {
      this.fit = await this.#studio.api.contextFit({ datasetId: this.selectedId, preset: this.fitPreset });
    } catch (err) {
      this.fit = null;
      this.detailError = `Could not check the window fit: ${errorText(err)}`;
    }
  }

  /** Browser upload and drag and drop: the bytes travel with the request. */
  async importFiles(files: readonly File[]): Promise<void> {
    if (files.length === 0) return;
    await this.#runImport(async (name) => {
      // Batches stay under the server's message limit (src-main/shared/wire.ts); each adds to the same dataset.
      const batches = uploadBatches(files, UPLOAD_BATCH_BYTES);
      let merged: ImportReport | null = null;
      let lastError: unknown = null;
      for (const batch of batches) {
        const read = await Promise.all(batch.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
        try {
          merged = mergeReports(merged, await this.#studio.api.importFiles({ name, files: read }));
        } catch (err) {
          // A batch of only skipped files cannot create the dataset; later batches still may.
          if ((err as { code?: string })?.code !== 'EMPTY_IMPORT' || batches.length === 1) throw err;
          lastError = err;
        }
      }
      if (!merged) throw lastError ?? new Error('nothing was imported');
      return merged;
    });
  }

  /** Electron: the native dialog picks files or folders, the services read them by path. */
  async importNative(): Promise<void> {
    let chosen: DialogSelection | null;
    try {
      chosen = await this.#studio.api.showOpenDialog();
    } catch (err) {
      this.importError = `The file dialog could not open: ${errorText(err)}`;
      return;
    }
    if (!chosen || chosen.names.length === 0) return;
    const selection = chosen.selection;
    await this.#runImport((name) => this.#studio.api.importPaths({ name, selection }));
  }

  async #runImport(call: (name: string) => Promise<ImportReport>): Promise<void> {
    const name = this.importName.trim();
    if (!name) {
      this.importError = 'Give the dataset a name first.';
      return;
    }
    this.importing = true;
    this.importError = null;
    try {
      this.report = await call(name);
      await this.#studio.refreshDatasets();
      await this.select(this.report.datasetId);
    } catch (err) {
      this.importError = `Import failed: ${errorText(err)}`;
    } finally {
      this.importing = false;
    }
  }

  async remove(datasetId: string): Promise<void> {
    await this.#studio.attempt('Deleting the dataset', () => this.#studio.api.deleteDataset(datasetId));
    if (this.selectedId === datasetId) {
      this.selectedId = null;
      this.detail = null;
      this.fit = null;
    }
    await this.#studio.refreshDatasets();
  }
}
