// Datasets view state: the selected dataset with its files, its context fit for a chosen preset, and
// imports (browser upload or Electron's native dialog) with their report.
import type { ContextFit, DatasetDetail, ImportReport } from '../../src-main/shared/contract';
import { errorText } from '../lib/format';
import { importName as nameForImport, type NamedFile } from '../lib/folder-drop';
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
  async importFiles(files: readonly (File | NamedFile)[]): Promise<void> {
    if (files.length === 0) return;
    await this.#runImport(async (name) => {
      const read = await Promise.all(files.map(async (f) => ({ name: nameForImport(f), bytes: new Uint8Array(await ('path' in f ? f.file : f).arrayBuffer()) })));
      return this.#studio.api.importFiles({ name, files: read });
    });
  }

  /** Electron: the native dialog picks files or folders, the services read them by path. */
  async importNative(): Promise<void> {
    let paths: string[] | null;
    try {
      paths = await this.#studio.api.showOpenDialog();
    } catch (err) {
      this.importError = `The file dialog could not open: ${errorText(err)}`;
      return;
    }
    if (!paths || paths.length === 0) return;
    await this.#runImport((name) => this.#studio.api.importPaths({ name, paths }));
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
