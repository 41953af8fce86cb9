// The studio's root state: the API client, the engine's status, the shared lists (datasets, runs,
// presets) kept fresh from StudioApi events, and the per-view states that outlive a view switch.
import type { DatasetSummary, EngineStatus, FileRef, PresetInfo, RunSummary, StudioApi, StudioInfo } from '../../src-main/shared/contract';
import { downloadBytes } from '../lib/download';
import { convertForExport, renamed, type ExportTarget } from '../lib/export';
import { errorText } from '../lib/format';
import { distinctLabels } from '../lib/labels';
import { DatasetsState } from './datasets.svelte';
import { GenerateState } from './generate.svelte';
import { LibraryState } from './library.svelte';
import { ModelsState } from './models.svelte';
import { ClassifyState } from './classify.svelte';
import { Router } from './router.svelte';
import { Toasts } from './toasts.svelte';
import { TrainingState } from './training.svelte';

export class Studio {
  readonly toasts = new Toasts();
  readonly router = new Router();
  info = $state<StudioInfo | null>(null);
  engine = $state<EngineStatus | null>(null);
  /** Set when the studio cannot be reached at all: the shell shows it instead of the views. */
  fatal = $state<string | null>(null);
  /** False while the WebSocket to `bgpt serve` is down (it reconnects by itself). */
  connected = $state(true);
  datasets = $state.raw<DatasetSummary[]>([]);
  runs = $state.raw<RunSummary[]>([]);
  presets = $state.raw<PresetInfo[]>([]);
  /** Run id → a name unique among the runs, for legends and pickers. */
  runLabels = $derived(distinctLabels(this.runs));

  readonly datasetsView: DatasetsState;
  readonly training: TrainingState;
  readonly generation: GenerateState;
  readonly library: LibraryState;
  readonly models: ModelsState;
  /** The Classify view's state: kept here so a finished run can hand itself over (lib/handoff.ts). */
  readonly classify: ClassifyState;

  readonly api: StudioApi;

  constructor(api: StudioApi) {
    this.api = api;
    this.datasetsView = new DatasetsState(this);
    this.training = new TrainingState(this);
    this.generation = new GenerateState(this);
    this.library = new LibraryState(this);
    this.models = new ModelsState(this);
    this.classify = new ClassifyState(api);
  }

  /** Loads the first data and follows the studio's events; the returned function stops everything. */
  start(): () => void {
    const stops = [
      this.router.listen(),
      this.api.onEngineStatus((s) => this.#engineChanged(s)),
      this.api.onRunUpdate((run) => this.#runChanged(run)),
      this.api.onMetrics((e) => this.training.addPoints(e.runId, e.points)),
      this.api.onGenerateProgress((e) => this.generation.progress(e)),
      this.api.onCatalogueChanged((e) => void this.#catalogueChanged(e.what)),
      this.models.listen(),
      this.datasetsView.listen(),
    ];
    void this.#load();
    return () => stops.forEach((stop) => stop());
  }

  /** The transport's connection changed; after a reconnect the lists may be stale, so reload them. */
  setConnected(connected: boolean): void {
    const reconnected = connected && !this.connected;
    this.connected = connected;
    if (reconnected) void this.#load();
  }

  async #load(): Promise<void> {
    try {
      const [info, datasets, runs, presets] = await Promise.all([
        this.api.getInfo(),
        this.api.listDatasets(),
        this.api.listRuns(),
        this.api.listPresets(),
      ]);
      this.info = info;
      this.engine ??= info.engine;
      this.datasets = datasets;
      this.runs = runs;
      this.presets = presets;
      this.fatal = null;
      await this.training.reattach();
    } catch (err) {
      this.fatal = `The studio could not be reached: ${errorText(err)}`;
    }
  }

  /**
   * Runs an API call for a control; on failure shows the reason as a toast and returns undefined.
   * Forms with their own inline error area catch errors themselves instead.
   */
  async attempt<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      this.toasts.show('error', `${what} failed: ${errorText(err)}`);
      return undefined;
    }
  }

  async refreshDatasets(): Promise<void> {
    const datasets = await this.attempt('Loading datasets', () => this.api.listDatasets());
    if (datasets) this.datasets = datasets;
  }

  async refreshRuns(): Promise<void> {
    const runs = await this.attempt('Loading runs', () => this.api.listRuns());
    if (runs) this.runs = runs;
  }

  /**
   * Saves a dataset file or sample where the user chooses: Electron's save dialog, else a download;
   * `as` converts it first (ABC → MIDI, MIDI → ABC: lib/export.ts) and says why when it cannot.
   */
  async exportFile(ref: FileRef, name: string, as?: ExportTarget): Promise<void> {
    const target = as ? renamed(name, as) : name;
    await this.attempt(`Exporting ${target}`, async () => {
      const file = await this.api.readFile(ref);
      let bytes = file.bytes;
      if (as) {
        const converted = convertForExport(file.bytes, as, name.replace(/\.[^.]*$/, ''));
        if (!converted.ok) return this.toasts.show('error', `Not exported as ${as === 'mid' ? 'MIDI' : 'ABC'}: ${converted.reason}.`);
        bytes = converted.bytes;
        this.toasts.show('info', `${target}: ${converted.note}.`);
      }
      if (!this.info?.nativeDialogs) return downloadBytes(target, bytes);
      const saved = await this.api.saveFile({ defaultName: target, bytes: bytes.slice() });
      if (saved) this.toasts.show('success', `Saved ${saved}`);
    });
  }

  #engineChanged(status: EngineStatus): void {
    const was = this.engine?.state;
    this.engine = status;
    if (status.state === 'crashed' && was !== 'crashed') {
      this.toasts.show('error', `The engine stopped unexpectedly${status.error ? `: ${status.error}` : '.'}`);
    }
  }

  #runChanged(run: RunSummary): void {
    const old = this.runs.find((r) => r.id === run.id);
    this.runs = old ? this.runs.map((r) => (r.id === run.id ? run : r)) : [run, ...this.runs];
    if (old && old.status !== run.status) this.#announceStatus(run);
    if (old?.status === 'paused' && run.status === 'running') this.training.resumedAt.set(run.id, Date.now());
    // Held: the engine's last step came before this update on the same connection; show it with "paused".
    if (run.status === 'paused' && !run.pausing) this.training.flushPending();
  }

  #announceStatus(run: RunSummary): void {
    if (run.status === 'done') this.toasts.show('success', `Run “${run.name}” finished.`);
    if (run.status === 'failed') this.toasts.show('error', `Run “${run.name}” failed: ${run.error ?? 'no reason given'}.`);
  }

  async #catalogueChanged(what: 'datasets' | 'runs' | 'samples' | 'models'): Promise<void> {
    if (what === 'datasets') {
      await this.refreshDatasets();
      // Built-in datasets are registered behind the page on a fresh home: the notice goes once they are.
      if (this.info?.preparing) this.info = (await this.attempt('Loading the studio info', () => this.api.getInfo())) ?? this.info;
    }
    if (what === 'runs') await this.refreshRuns();
    if (what === 'samples') await this.library.refresh();
  }
}
