// Datasets view state: the selected dataset with its files, its context fit for a chosen preset, and
// imports (browser upload or Electron's native dialog) with their report; PNG/JPEG files in a browser
// import wait for the user's answer to "convert them to the paper's BMP shape?" (lib/image-import.ts).
import type { ContextFit, DatasetDetail, DatasetDownloadInfo, DialogSelection, ImportReport } from '../../src-main/shared/contract';
import { errorText } from '../lib/format';
import { UPLOAD_BATCH_BYTES } from '../../src-main/shared/wire';
import { mergeReports, uploadBatches } from '../lib/uploads';
import { importName as nameForImport, type NamedFile } from '../lib/folder-drop';
import { convertImages, isConvertibleImage } from '../lib/image-import';
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
  /** Keys each ABC tune is imported in (1 = as written; docs/music.md, "Your own tune books"). */
  importKeys = $state(1);
  importing = $state(false);
  report = $state.raw<ImportReport | null>(null);
  importError = $state<string | null>(null);
  /** An import held until the user says whether its PNG/JPEG images are converted. */
  pendingImages = $state.raw<{ files: readonly (File | NamedFile)[]; images: number } | null>(null);
  /** What the last import converted (PNG/JPEG → BMP) and which images could not be. */
  conversion = $state.raw<{ converted: number; failed: { path: string; reason: string }[] } | null>(null);

  /** Tune collection downloads (docs/music.md, "Tune collections"), by source; finished ones stay until the next. */
  collectionDownloads = $state.raw<Record<string, DatasetDownloadInfo>>({});
  collectionError = $state<string | null>(null);

  constructor(studio: Studio) {
    this.#studio = studio;
  }

  /** Follows collection downloads; when one lands, its report shows as an import's does and the dataset opens. */
  listen(): () => void {
    const stop = this.#studio.api.onDatasetDownload((d) => {
      this.collectionDownloads = { ...this.collectionDownloads, [d.source]: d };
      if (d.state === 'done' && d.report) {
        this.report = d.report;
        this.conversion = null;
        void this.#studio.refreshDatasets().then(() => this.select(d.report!.datasetId));
      }
    });
    void this.#studio.api.listDatasetDownloads().then((list) => {
      for (const d of list) this.collectionDownloads = { ...this.collectionDownloads, [d.source]: d };
    }).catch(() => {});
    return stop;
  }

  /** Starts downloading a collection (by name) or, in the desktop app, a URL, into a dataset. */
  async downloadCollection(source: string): Promise<void> {
    this.collectionError = null;
    try {
      await this.#studio.api.downloadDataset({ source, keys: this.importKeys });
    } catch (err) {
      this.collectionError = `Download failed: ${errorText(err)}`;
    }
  }

  async cancelCollection(downloadId: string): Promise<void> {
    await this.#studio.attempt('Cancelling the download', () => this.#studio.api.cancelDatasetDownload(downloadId));
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
  async importFiles(files: readonly (File | NamedFile)[], convert: boolean | null = null): Promise<void> {
    if (files.length === 0) return;
    const images = files.filter((f) => isConvertibleImage(nameForImport(f))).length;
    if (images && convert === null) {
      this.pendingImages = { files, images }; // the panel asks; answerImages continues
      return;
    }
    this.pendingImages = null;
    const conversion = { converted: 0, failed: [] as { path: string; reason: string }[] };
    const taken = new Set(files.map((f) => nameForImport(f)).filter((n) => !isConvertibleImage(n)).map((n) => n.toLowerCase()));
    this.conversion = null;
    await this.#runImport(async (name) => {
      // Batches stay under the server's message limit (src-main/shared/wire.ts); each adds to the same dataset.
      const sized = files.map((f) => ({ file: 'path' in f ? f.file : f, name: nameForImport(f), size: ('path' in f ? f.file : f).size }));
      const batches = uploadBatches(sized, UPLOAD_BATCH_BYTES);
      let merged: ImportReport | null = null;
      let lastError: unknown = null;
      for (const batch of batches) {
        let read = await Promise.all(batch.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.file.arrayBuffer()) })));
        if (convert) {
          const c = convertImages(read, taken);
          read = c.files as typeof read; // the converter's outputs are fresh ArrayBuffer-backed arrays
          conversion.converted += c.converted;
          conversion.failed.push(...c.failed);
        }
        try {
          merged = mergeReports(merged, await this.#studio.api.importFiles({ name, files: read, keys: this.importKeys }));
        } catch (err) {
          // A batch of only skipped files cannot create the dataset; later batches still may.
          if ((err as { code?: string })?.code !== 'EMPTY_IMPORT' || batches.length === 1) throw err;
          lastError = err;
        }
      }
      if (!merged) throw lastError ?? new Error('nothing was imported');
      if (convert) this.conversion = conversion;
      return merged;
    });
  }

  /** The user's answer to the conversion question: convert, import as they are, or (null) cancel. */
  async answerImages(convert: boolean | null): Promise<void> {
    const pending = this.pendingImages;
    this.pendingImages = null;
    if (pending && convert !== null) await this.importFiles(pending.files, convert);
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
    await this.#runImport((name) => this.#studio.api.importPaths({ name, selection, keys: this.importKeys }));
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
