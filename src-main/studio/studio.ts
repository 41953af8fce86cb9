// The studio: catalogue + engine host + services, behind the StudioHandlers that every transport
// (Electron IPC, `bgpt serve`) dispatches to, and the same services the CLI calls. One instance per
// studio home.
import { APP_VERSION } from '../node/app-root';
import { Catalogue } from '../catalogue/catalogue';
import { readCheckpointInfo } from '../checkpoint';
import type { EngineHost } from '../engine-host/host';
import { EVENT_NAMES, METHOD_NAMES, subscriptionName, type EventName, type StudioApi, type StudioEvents, type StudioHandlers } from '../shared/contract';
import { UserError, errorLine } from '../shared/errors';
import { DatasetService } from './datasets';
import { createDispatcher } from './dispatch';
import { grantedModelFile, PathGrants } from './grants';
import { StudioEventBus } from './events';
import { RunService } from './runs';
import { SampleService } from './samples';
import { ScoringService } from './scoring';
import { ModelService } from './models';
import { DatasetDownloads } from './dataset-download';
import { ReportCardService } from './report-card';
import { pathRedactor, redactError, redactValue } from './redact';

const VERSION: string = APP_VERSION;

export interface Studio {
  home: string;
  handlers: StudioHandlers;
  /**
   * The StudioApi in this process: each call validated against the contract's schema, as over IPC
   * or WebSocket, then handed to the same handler (tests and in-process callers use it).
   */
  api: StudioApi;
  datasets: DatasetService;
  runs: RunService;
  samples: SampleService;
  scoring: ScoringService;
  models: ModelService;
  /** Tune collections downloaded into datasets. */
  collections: DatasetDownloads;
  /** Report cards of checkpoints. */
  cards: ReportCardService;
  catalogue: Catalogue;
  engine: EngineHost;
  /** Paths chosen in the desktop app's native dialog, behind opaque handles (docs/security.md). */
  grants: PathGrants;
  /** Settles once the built-in datasets are registered (at once when they were, or are skipped). */
  builtInsReady: Promise<void>;
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
  /** Stops training (saving last checkpoints), the engine and the catalogue. */
  close(): Promise<void>;
}

export interface OpenStudioOptions {
  home: string;
  engine: EngineHost;
  transport: 'electron' | 'http' | 'cli';
  /**
   * Register datasets/ (default true; the CLI's one-shot commands skip it). 'background': open at once
   * and register them behind the page (`bgpt serve`, the desktop app): a fresh home takes tens of
   * seconds, and getInfo says what is going on meanwhile.
   */
  builtIns?: boolean | 'background';
}

/** Replies that hold only numbers and bytes: not walked for paths. */
const NUMERIC_REPLIES = new Set<string>(['getMetrics', 'readFile', 'surprisal']);

/** Wraps every handler so its reply and its error line are said without machine paths. */
function redactHandlers(handlers: StudioHandlers, redact: (s: string) => string): void {
  const table = handlers as unknown as Record<string, (arg: unknown) => unknown>;
  for (const name of Object.keys(table)) {
    const inner = table[name];
    table[name] = async (arg: unknown) => {
      try {
        const value = await inner.call(handlers, arg);
        return NUMERIC_REPLIES.has(name) ? value : redactValue(value, redact);
      } catch (err) {
        throw redactError(err, redact);
      }
    };
  }
}

export async function openStudio(opts: OpenStudioOptions): Promise<Studio> {
  const catalogue = await Catalogue.open(opts.home, { checkpointInfo: readCheckpointInfo });
  const bus = new StudioEventBus();
  const { engine } = opts;
  engine.on('status', (s) => bus.emit('engineStatus', s));
  const datasets = new DatasetService(catalogue.home, catalogue, bus);
  let preparing: string | null = null;
  let builtInsReady = Promise.resolve();
  if (opts.builtIns === 'background') {
    preparing = 'preparing built-in datasets…';
    builtInsReady = datasets.ensureBuiltIns()
      // The studio stays usable without them; the next start tries again (no marker was written).
      .catch((err: unknown) => console.error(`bgpt: the built-in datasets could not be registered: ${errorLine(err)}`))
      .finally(() => {
        preparing = null;
        bus.emit('catalogueChanged', { what: 'datasets' });
      });
  } else if (opts.builtIns !== false) await datasets.ensureBuiltIns();
  const runs = new RunService(catalogue.home, catalogue, engine, bus);
  const samples = new SampleService(catalogue.home, catalogue, engine, bus);
  const scoring = new ScoringService(catalogue, engine);
  const models = new ModelService(catalogue.home, catalogue, bus, undefined, { transport: opts.transport });
  const collections = new DatasetDownloads(catalogue.home, datasets, bus);
  const cards = new ReportCardService(catalogue, samples, bus);
  // A browser may start the named collections only, never make the studio fetch a URL it names (docs/security.md).
  const allowUrls = opts.transport !== 'http';

  const grants = new PathGrants();
  // Every argument arrives as its schema parsed it (defaults filled in): no handler re-validates or casts.
  const handlers: StudioHandlers = {
    getInfo: () => ({ version: VERSION, transport: opts.transport === 'electron' ? 'electron' : 'http', nativeDialogs: opts.transport === 'electron', home: catalogue.home, engine: engine.status, preparing }),
    listDatasets: () => datasets.list(),
    getDataset: (id) => datasets.detail(id),
    importFiles: (r) => datasets.importFiles(r.name, r.files, r.kind, { keys: r.keys }),
    // Only paths granted by the native dialog, never a path the caller names (docs/security.md).
    importPaths: async (r) => datasets.importPaths(r.name, grants.take(r.selection), r.kind, undefined, undefined, { keys: r.keys }),
    deleteDataset: (id) => datasets.delete(id),
    downloadDataset: (r) => collections.start(r, allowUrls),
    cancelDatasetDownload: (id) => collections.cancel(id),
    listDatasetDownloads: () => collections.list(),
    contextFit: (r) => datasets.contextFit(r),
    readFile: (ref) => (ref.kind === 'sample' ? samples.readFile(ref.sampleId) : datasets.readFile(ref.datasetId, ref.fileId)),
    surprisal: async (r) => {
      const file = r.file.kind === 'sample' ? await samples.readFile(r.file.sampleId) : await datasets.readFile(r.file.datasetId, r.file.fileId);
      return scoring.surprisal(file, r.from);
    },
    listPresets: () => runs.presets(),
    estimateTraining: (r) => runs.estimate(r),
    startRun: (r) => runs.start(r),
    pauseRun: (id) => runs.pause(id),
    resumeRun: (id) => runs.resume(id),
    stopRun: (id) => runs.stop(id),
    listRuns: () => runs.list(),
    getRun: (id) => runs.detail(id),
    deleteRun: (id) => runs.delete(id),
    getMetrics: (r) => runs.metrics(r.runIds, r.maxPoints),
    getClassification: (id) => runs.classification(id),
    classify: async (r) => {
      const { warnings: _, ...result } = await scoring.classify(r.from, r.files);
      return result;
    },
    generate: (r) => samples.start(r),
    cancelGenerate: (id) => samples.cancel(id),
    makeReportCard: (r) => cards.start(r),
    getReportCards: (id) => cards.list(id),
    listSamples: (q) => samples.list(q),
    updateSample: (u) => samples.update(u),
    deleteSample: (id) => samples.delete(id),
    listModels: () => models.list(),
    listPublishedModels: () => models.published(),
    beginModelUpload: (r) => models.beginUpload(r),
    uploadModelChunk: (r) => models.uploadChunk(r),
    finishModelUpload: (id) => models.finishUpload(id),
    cancelModelUpload: (id) => models.cancelUpload(id),
    importModelPath: async (r) => {
      const granted = grantedModelFile(grants, r.selection);
      return models.importPath(granted.file, { name: r.name, kind: r.kind, log: granted.log });
    },
    downloadModel: (r) => models.startDownload(r),
    cancelModelDownload: (id) => models.cancelDownload(id),
    listModelDownloads: () => models.listDownloads(),
    renameModel: (r) => models.rename(r.id, r.name),
    deleteModel: (id) => models.delete(id),
    getModelMetrics: (id) => models.metrics(id),
    evaluateModel: (r) => scoring.evaluateDataset(r),
    // Native dialogs exist only in the desktop app; its main process replaces these two.
    showOpenDialog: () => null,
    saveFile: () => {
      throw new UserError('saving through a dialog needs the desktop app; the browser downloads the file instead', 'UNSUPPORTED');
    },
    dragFile: () => {
      throw new UserError('dragging a file out of the window needs the desktop app; the browser exports it as a download instead', 'UNSUPPORTED');
    },
  };

  // Over `bgpt serve` no reply, event or error line carries a machine path (docs/security.md); the
  // desktop app and the CLI keep full paths.
  const browser = opts.transport === 'http';
  const redact = pathRedactor(catalogue.home);
  if (browser) redactHandlers(handlers, redact);

  return {
    home: catalogue.home,
    handlers,
    api: localApi(handlers, bus),
    datasets,
    runs,
    samples,
    scoring,
    models,
    collections,
    cards,
    catalogue,
    engine,
    grants,
    builtInsReady,
    subscribe: (l) => bus.subscribe(browser ? (event, payload) => l(event, event === 'metrics' ? payload : redactValue(payload, redact)) : l),
    async close() {
      models.stopAll();
      collections.stopAll();
      await builtInsReady;
      await runs.stopAll().catch(() => {});
      await engine.stop();
      await catalogue.close();
    },
  };
}

/** The StudioApi over the dispatcher every transport uses: validated arguments, errors rethrown with their code. */
function localApi(handlers: StudioHandlers, bus: StudioEventBus): StudioApi {
  const dispatch = createDispatcher(handlers);
  const api: Record<string, unknown> = {};
  for (const m of METHOD_NAMES) {
    api[m] = async (arg?: unknown) => {
      const out = await dispatch(m, arg);
      if (out.ok) return out.value;
      if (out.error.code === 'INTERNAL') throw new Error(out.error.message);
      throw new UserError(out.error.message, out.error.code);
    };
  }
  for (const e of EVENT_NAMES) {
    api[subscriptionName(e)] = (listener: (ev: StudioEvents[typeof e]) => void) =>
      bus.subscribe((event, payload) => event === e && listener(payload as StudioEvents[typeof e]));
  }
  return api as StudioApi;
}
