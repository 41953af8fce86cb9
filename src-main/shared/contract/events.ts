// Events the studio pushes to every UI, and the `onXxx` subscriptions derived from them.
import type { EngineStatus } from './info';
import type { DownloadInfo } from './models';
import type { MetricPoint, RunSummary } from './runs';
import type { ReportCard, SampleInfo } from './samples';
import type { DatasetDownloadInfo } from './datasets';

/** Events the studio pushes to every UI. */
export interface StudioEvents {
  /** The engine process changed state (started, busy, crashed…). */
  engineStatus: EngineStatus;
  /** A run changed (status, progress, best loss). */
  runUpdate: RunSummary;
  /** New metric points of a run, batched. */
  metrics: { runId: string; points: MetricPoint[] };
  /** Generation progress: one event per finished patch, and one when each sample is saved. */
  generateProgress: {
    jobId: string;
    /** The sample this event is about (the patch events: the first sample's). */
    index: number;
    count: number;
    patches: number;
    bytes: number;
    /** Set when sample `index` is finished and saved. */
    sample?: SampleInfo;
    /** Set once the whole job is over. */
    done?: boolean;
    error?: string;
  };
  /** Datasets or samples changed (import, delete, new sample): lists should refresh. */
  catalogueChanged: { what: 'datasets' | 'runs' | 'samples' | 'models' };
  /** A model download's progress (bytes, total, rate, ETA) and outcome. */
  modelDownload: DownloadInfo;
  /** A tune collection's download: progress, then the import report or the error. */
  datasetDownload: DatasetDownloadInfo;
  /** A report card being made: one event per sample judged, then the card (or the error). */
  reportCard: { jobId: string; runId: string | null; done: number; count: number; card?: ReportCard; error?: string };
}

export type EventName = keyof StudioEvents;
export const EVENT_NAMES = ['engineStatus', 'runUpdate', 'metrics', 'generateProgress', 'catalogueChanged', 'modelDownload', 'datasetDownload', 'reportCard'] as const satisfies readonly EventName[];
// Every event is listed above: a new one that is not fails here.
type Missing = Exclude<EventName, (typeof EVENT_NAMES)[number]>;
const everyEventListed: [Missing] extends [never] ? true : Missing = true;
void everyEventListed;

export type Unsubscribe = () => void;

/** `onEngineStatus`, `onRunUpdate`, … */
export type EventSubscriptions = {
  [K in EventName as `on${Capitalize<K>}`]: (listener: (event: StudioEvents[K]) => void) => Unsubscribe;
};

/** Subscription method name for an event. */
export function subscriptionName(event: EventName): keyof EventSubscriptions {
  return `on${event[0].toUpperCase()}${event.slice(1)}` as keyof EventSubscriptions;
}
