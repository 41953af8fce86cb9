// StudioApi: the one contract between the studio services and every UI transport (Electron preload,
// `bgpt serve` over WebSocket, the renderer's client) and the CLI, which calls the same services.
// Each domain file declares its methods once, in a table (name → argument schema, result type, JSDoc);
// this index joins the tables and derives everything else from them: the StudioMethods signatures, the
// Promise API a UI holds, the handlers the studio implements (typed on the PARSED arguments), the
// argument map the dispatcher validates against, and METHOD_NAMES.
import { datasetMethods } from './datasets';
import { fileMethods } from './files';
import { infoMethods } from './info';
import { argSchemas, type Handlers, type PromiseApi, type Signatures } from './method';
import { modelMethods } from './models';
import { runMethods } from './runs';
import { sampleMethods } from './samples';
import type { EventSubscriptions } from './events';
import { contextFitRequest, datasetDownloadRequest, importFilesRequest, importPathsRequest } from './datasets';
import { dragFileRequest, openDialogRequest, saveFileRequest, surprisalRequest } from './files';
import { modelDownload, modelEvaluate, modelImportPath, modelRename, modelUploadBegin, modelUploadChunk } from './models';
import { classifyRequest, metricsRequest, trainRequest } from './runs';
import { generateRequest, reportCardRequest, sampleQuery, sampleUpdate } from './samples';
import { id } from './common';
import { none } from './method';

export * from './common';
export * from './info';
export * from './datasets';
export * from './files';
export * from './runs';
export * from './samples';
export * from './models';
export * from './events';
export * from './wire';
export { takes, type MethodSpec } from './method';

/** Every method of the studio, by domain. */
export const METHODS = {
  ...infoMethods,
  ...datasetMethods,
  ...fileMethods,
  ...runMethods,
  ...sampleMethods,
  ...modelMethods,
};
type Methods = typeof METHODS;

/** The methods, each taking at most one argument (the schema's input), with their results. */
export type StudioMethods = Signatures<Methods>;
export type MethodName = keyof Methods;

/** Argument schema of each method (the service validates every call against it: the renderer is untrusted, even in Electron). */
export const args = argSchemas(METHODS);

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

/**
 * Methods a browser (`bgpt serve`) may never call: they reach machine paths or native dialogs. Any new
 * method that takes or returns a machine path belongs here (docs/security.md).
 */
export const BROWSER_FORBIDDEN_METHODS: readonly MethodName[] = ['importPaths', 'showOpenDialog', 'saveFile', 'importModelPath', 'dragFile'];

/** What a UI holds: every method returns a Promise, every event is a subscription. */
export type StudioApi = PromiseApi<Methods> & EventSubscriptions;

/** What the studio services implement: each handler receives its argument as the schema PARSED it. */
export type StudioHandlers = Handlers<Methods>;

/** The request schemas by name (the CLI and tests validate with them too). */
export const requests = {
  importFiles: importFilesRequest,
  importPaths: importPathsRequest,
  contextFit: contextFitRequest,
  trainRequest,
  generateRequest,
  sampleQuery,
  sampleUpdate,
  metricsRequest,
  surprisalRequest,
  saveFileRequest,
  dragFileRequest,
  modelUploadBegin,
  modelUploadChunk,
  modelImportPath,
  openDialog: openDialogRequest,
  modelDownload,
  modelRename,
  modelEvaluate,
  classifyRequest,
  datasetDownload: datasetDownloadRequest,
  reportCard: reportCardRequest,
  id,
  none,
} as const;
