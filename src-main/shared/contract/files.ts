// Files: the bytes of a dataset file or a sample, their per-byte surprisal under a checkpoint, and the
// desktop app's native open and save dialogs.
import { z } from 'zod';
import { bytes, checkpointRefSchema, id, type BackendName } from './common';
import { takes } from './method';

/** A file the API can read: a dataset file or a generated sample. */
export const fileRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dataset-file'), datasetId: id, fileId: id }),
  z.object({ kind: z.literal('sample'), sampleId: id }),
]);
export type FileRef = z.infer<typeof fileRefSchema>;

export const surprisalRequest = z.object({ file: fileRefSchema, from: checkpointRefSchema });
export const saveFileRequest = z.object({ defaultName: z.string().min(1).max(1000), bytes });
/** A file dragged out of the desktop app: as it is, or an ABC tune as MIDI (for a DAW). */
export const dragFileRequest = z.object({ file: fileRefSchema, name: z.string().trim().min(1).max(200), as: z.enum(['original', 'midi']).default('original') });
/** What the native open dialog is for: files and folders for a dataset (default), or one model file. */
export const openDialogRequest = z.object({ purpose: z.enum(['dataset', 'model']).optional() }).optional();

export type SurprisalRequest = z.input<typeof surprisalRequest>;
export type SaveFileRequest = z.input<typeof saveFileRequest>;
export type DragFileRequest = z.input<typeof dragFileRequest>;
export type OpenDialogRequest = z.input<typeof openDialogRequest>;

export interface FileBytes {
  name: string;
  ext: string;
  bytes: Uint8Array;
}

/** What scored a file: a TF.js backend, or 'wasm-simd': the inference kernels (engine/infer). */
export type ScoringBackend = BackendName | 'wasm-simd';

export interface SurprisalResult {
  /** Bits for each byte of the file (same length as the file). */
  bits: Float32Array;
  /**
   * The file's bits per byte, exactly as evaluation computes it (engine/infer/score.ts scoreFile: the
   * head window, every predicted position): the Models view's evaluation shows the same number.
   */
  meanBitsPerByte: number;
  backend: ScoringBackend | null;
  warnings: string[];
}

/** What the native open dialog chose: an opaque handle (the paths stay in the main process) and base names to show. */
export interface DialogSelection {
  selection: string;
  names: string[];
}

export const fileMethods = {
  /** The bytes of a dataset file or a sample, for viewers and export. */
  readFile: takes(fileRefSchema).returns<FileBytes>(),
  /** Bits of every byte of a file under a checkpoint (a run's or a model's), on the cached inference kernels. */
  surprisal: takes(surprisalRequest).returns<SurprisalResult>(),
  /** Electron: native open dialog for files/folders to import (or one .pth: purpose 'model'); a handle for importPaths or importModelPath, null when cancelled or unsupported. */
  showOpenDialog: takes(openDialogRequest).returns<DialogSelection | null>(),
  /** Electron: native save dialog, then writes the bytes; returns the path, or null. */
  saveFile: takes(saveFileRequest).returns<string | null>(),
  /** Electron: starts dragging a dataset file or sample out of the window as a file (written to a temporary folder first). */
  dragFile: takes(dragFileRequest).returns<void>(),
};
