// Models view state (docs/models.md–4): the catalogue's models, the published ones with their downloads
// (progress from modelDownload events), uploads of a .pth in ≤ 16 MiB chunks, and the actions on one
// model: generate or convert (through the studio's generation jobs), evaluate a dataset, fine-tune.
import type { DownloadInfo, ModelEvaluation, ModelInfo, PublishedModel } from '../../src-main/shared/contract';
import { errorText } from '../lib/format';
import type { Studio } from './studio.svelte';
import { fineTuneModel } from '../lib/handoff';
import { LORA_LR, setFineTuneMode } from './train-form';
import { LORA_DEFAULTS } from '../../src-main/shared/lora';

export class ModelsState {
  readonly #studio: Studio;
  models = $state.raw<ModelInfo[]>([]);
  published = $state.raw<PublishedModel[]>([]);
  /** Downloads by source name/URL (the latest state of each, finished ones included until dismissed). */
  downloads = $state.raw<Record<string, DownloadInfo>>({});
  selectedId = $state<string | null>(null);
  selected = $derived(this.models.find((m) => m.id === this.selectedId) ?? null);
  upload = $state<{ name: string; sent: number; size: number } | null>(null);
  error = $state<string | null>(null);
  evaluation = $state.raw<ModelEvaluation | null>(null);
  evaluating = $state(false);
  loaded = $state(false);

  constructor(studio: Studio) {
    this.#studio = studio;
  }

  /** Follows downloads and catalogue changes; the returned function stops. */
  listen(): () => void {
    const stops = [
      this.#studio.api.onModelDownload((d) => this.#downloadChanged(d)),
      this.#studio.api.onCatalogueChanged((e) => { if (e.what === 'models') void this.refresh(); }),
    ];
    return () => stops.forEach((s) => s());
  }

  async load(): Promise<void> {
    const api = this.#studio.api;
    const got = await this.#studio.attempt('Loading models', () => Promise.all([api.listModels(), api.listPublishedModels(), api.listModelDownloads()]));
    if (!got) return;
    [this.models, this.published] = [got[0], got[1]];
    for (const d of got[2]) this.#downloadChanged(d);
    this.loaded = true;
  }

  async refresh(): Promise<void> {
    const models = await this.#studio.attempt('Loading models', () => this.#studio.api.listModels());
    if (models) this.models = models;
  }

  /** The model already downloaded from a published source, if any. */
  downloadedFrom(p: PublishedModel): ModelInfo | undefined {
    return this.models.find((m) => m.source === p.url && !m.missing);
  }

  async download(source: string): Promise<void> {
    await this.#studio.attempt(`Downloading ${source}`, () => this.#studio.api.downloadModel({ source }));
  }

  async cancelDownload(source: string): Promise<void> {
    const d = this.downloads[source];
    if (d) await this.#studio.attempt('Cancelling the download', () => this.#studio.api.cancelModelDownload(d.downloadId));
  }

  /**
   * Desktop: the native dialog chooses one .pth (and, for its curves, its logs-*.txt) and the main
   * process reads it by path, no upload; the renderer holds only the dialog's opaque handle (docs/security.md).
   */
  async importNative(): Promise<void> {
    const api = this.#studio.api;
    this.error = null;
    try {
      const chosen = await api.showOpenDialog({ purpose: 'model' });
      if (!chosen || chosen.names.length === 0) return;
      this.upload = { name: chosen.names[0], sent: 0, size: 0 };
      const model = await api.importModelPath({ selection: chosen.selection });
      this.#studio.toasts.show('success', `Imported model “${model.name}”.`);
      await this.refresh();
      this.selectedId = model.id;
    } catch (err) {
      this.error = `Import failed: ${errorText(err)}`;
    } finally {
      this.upload = null;
    }
  }

  /** Uploads a .pth from the browser in chunks the server names (≤ 16 MiB each), then lands it. */
  async importFile(file: File): Promise<void> {
    const api = this.#studio.api;
    this.error = null;
    this.upload = { name: file.name, sent: 0, size: file.size };
    let uploadId: string | null = null;
    try {
      const begun = await api.beginModelUpload({ fileName: file.name, size: file.size });
      uploadId = begun.uploadId;
      for (let offset = 0; offset < file.size; offset += begun.chunkBytes) {
        const bytes = new Uint8Array(await file.slice(offset, offset + begun.chunkBytes).arrayBuffer());
        await api.uploadModelChunk({ uploadId, offset, bytes });
        this.upload = { name: file.name, sent: offset + bytes.length, size: file.size };
      }
      const model = await api.finishModelUpload(uploadId);
      uploadId = null;
      this.#studio.toasts.show('success', `Imported model “${model.name}”.`);
      await this.refresh();
      this.selectedId = model.id;
    } catch (err) {
      this.error = `Import failed: ${errorText(err)}`;
      if (uploadId) await api.cancelModelUpload(uploadId).catch(() => {});
    } finally {
      this.upload = null;
    }
  }

  async rename(id: string, name: string): Promise<void> {
    await this.#studio.attempt('Renaming the model', () => this.#studio.api.renameModel({ id, name }));
    await this.refresh();
  }

  async remove(id: string): Promise<void> {
    await this.#studio.attempt('Deleting the model', () => this.#studio.api.deleteModel(id));
    if (this.selectedId === id) this.selectedId = null;
    await this.refresh();
  }

  /** Why the last evaluation failed, shown beside its button (not a toast over every view). */
  evaluateError = $state<string | null>(null);

  async evaluate(datasetId: string, split: 'train' | 'eval' | 'all' = 'eval'): Promise<void> {
    if (!this.selected) return;
    this.evaluating = true;
    this.evaluation = null;
    this.evaluateError = null;
    try {
      this.evaluation = await this.#studio.api.evaluateModel({ from: { kind: 'model', modelId: this.selected.id }, datasetId, split });
    } catch (err) {
      this.evaluateError = `Evaluation failed: ${errorText(err)}`;
    } finally {
      this.evaluating = false;
    }
  }

  /**
   * Opens the Train form set up to fine-tune the selected model with LoRA at the default rank (issue 22 item 6): its
   * weights and shape, the dataset chosen here if any; the form shows the memory and time estimate and starts it.
   */
  fineTune(datasetId: string): void {
    const m = this.selected;
    if (!m) return;
    const form = this.#studio.training.form;
    fineTuneModel(this.#studio, m);
    setFineTuneMode(form, { rank: LORA_DEFAULTS.rank });
    form.hyper.lr = LORA_LR;
    if (datasetId) form.datasetId = datasetId;
    this.#studio.router.go('train');
  }

  #downloadChanged(d: DownloadInfo): void {
    this.downloads = { ...this.downloads, [d.source]: d };
    if (d.state === 'done' && d.model) {
      this.#studio.toasts.show('success', `Downloaded model “${d.model.name}”.`);
      void this.refresh();
    }
    if (d.state === 'failed') this.#studio.toasts.show('error', `Download of ${d.source} failed: ${d.error}`);
  }
}
