// The studio home's layout (docs/ARCHITECTURE.md), defined once for the catalogue, the studio services and the CLI:
// catalogue.sqlite, datasets/blobs/<sha[0:2]>/<sha>, datasets/manifests/<id>.json, runs/<id>/{last,best}/,
// runs/<id>/run.json, samples/<id>.<ext> with its sidecar samples/<id>.meta.json, models/<id>/<file>.pth,
// downloads/<key>.part.
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../shared/errors';
import type { CheckpointKind } from './types';

export const CATALOGUE_FILE = 'catalogue.sqlite';
/** Sidecar suffix of a sample's metadata; cannot clash with `<id>.<ext>` since ext has no dot. */
export const SAMPLE_SIDECAR_SUFFIX = '.meta.json';
export const RUN_RECORD_FILE = 'run.json';
/** Folder name under the platform's app-data folder when neither --home nor BGPT_HOME is given. */
const APP_FOLDER = 'bgpt-studio';

/** The studio home: `--home`, else BGPT_HOME, else the platform's app-data folder. */
export function resolveHome(flag?: string): string {
  if (flag) return path.resolve(flag);
  if (process.env.BGPT_HOME) return path.resolve(process.env.BGPT_HOME);
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_FOLDER);
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_FOLDER);
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), APP_FOLDER);
}

export const cataloguePath = (home: string): string => path.join(home, CATALOGUE_FILE);
export const datasetsDir = (home: string): string => path.join(home, 'datasets');
export const blobsDir = (home: string): string => path.join(home, 'datasets', 'blobs');
export const manifestsDir = (home: string): string => path.join(home, 'datasets', 'manifests');
export const runsDir = (home: string): string => path.join(home, 'runs');
export const samplesDir = (home: string): string => path.join(home, 'samples');
export const modelsDir = (home: string): string => path.join(home, 'models');
/** Partial downloads and uploads (`<key>.part` + `<key>.json`), kept between sessions for resume. */
export const downloadsDir = (home: string): string => path.join(home, 'downloads');

/** A model's folder: `<home>/models/<id>/` holding the checkpoint file as imported. */
export function modelDir(home: string, modelId: string): string {
  return path.join(modelsDir(home), checkId(modelId));
}

const SHA256 = /^[0-9a-f]{64}$/;
/** Lower-case letters and digits only: safe in file names and free of dots (see the sidecar suffix). */
const EXT = /^[a-z0-9]{1,16}$/;
const ID = /^[a-z]+_[0-9a-z]+$/;

/** Content-addressed location of a dataset file's bytes. */
export function blobPath(home: string, sha256: string): string {
  if (!SHA256.test(sha256)) throw new UserError(`'${sha256}' is not a lower-case hex sha256`);
  return path.join(blobsDir(home), sha256.slice(0, 2), sha256);
}

export function manifestPath(home: string, datasetId: string): string {
  return path.join(manifestsDir(home), `${checkId(datasetId)}.json`);
}

export function runDir(home: string, runId: string): string {
  return path.join(runsDir(home), checkId(runId));
}

export function runRecordPath(home: string, runId: string): string {
  return path.join(runDir(home, runId), RUN_RECORD_FILE);
}

export function checkpointDir(home: string, runId: string, kind: CheckpointKind): string {
  return path.join(runDir(home, runId), kind);
}

export function samplePath(home: string, sampleId: string, ext: string): string {
  return path.join(samplesDir(home), `${checkId(sampleId)}.${checkExt(ext)}`);
}

export function sampleSidecarPath(home: string, sampleId: string): string {
  return path.join(samplesDir(home), `${checkId(sampleId)}${SAMPLE_SIDECAR_SUFFIX}`);
}

/**
 * A new id such as `run_mbx3k2a1q9f0c2d4`: a prefix, base-36 time (ids sort by creation) and random
 * bits. Callers need the id before the row exists because files are written before their rows.
 */
export function newId(prefix: 'ds' | 'run' | 'smp' | 'mdl' | 'rc'): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
}

export function checkId(id: string): string {
  if (!ID.test(id)) throw new UserError(`'${id}' is not a catalogue id`);
  return id;
}

export function checkExt(ext: string): string {
  if (!EXT.test(ext)) throw new UserError(`file extension '${ext}' must be 1–16 lower-case letters or digits`);
  return ext;
}

/** Stored form of a path: relative to the home when inside it (the home can move), else absolute. */
export function toStored(home: string, absolute: string): string {
  const rel = path.relative(home, absolute);
  return rel.startsWith('..') || path.isAbsolute(rel) ? path.resolve(absolute) : rel.split(path.sep).join('/');
}

export function fromStored(home: string, stored: string): string {
  return path.isAbsolute(stored) ? stored : path.join(home, ...stored.split('/'));
}
