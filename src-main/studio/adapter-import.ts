// LoRA adapters into the catalogue as models tied to their base (docs/models.md): a PEFT-layout folder
// (adapter_config.json + adapter_model.safetensors, checkpoint/adapter.ts) or a zip of one. The base must be in the
// studio already (found by the sha256 the adapter records), so the adapter's tensors are checked against the real
// shape before anything is written; the files land in `<home>/models/<id>/` under fixed names (nothing a zip names is
// ever a path), with the base's config.json beside them.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import {
  ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, adapterConfigToJson, adapterWeights, isAdapterFolder, readAdapterConfig, type AdapterConfig,
} from '../checkpoint/adapter';
import type { Catalogue } from '../catalogue/catalogue';
import { checkModelName, type AdapterMeta, type NewModel } from '../catalogue/models';
import { downloadsDir, modelDir, modelsDir, newId } from '../catalogue/paths';
import { readSafetensorsIndex } from '../engine/io/safetensors';
import { configFromJson, configToJson, type BGPTConfig } from '../shared/config';
import { UserError } from '../shared/errors';
import { findAdapterBase } from './adapter-base';
import { readFolderConfig } from '../checkpoint';

/** An adapter's weights file at most this large: rank 256 on every matrix of the paper model is 190 MB. */
export const MAX_ADAPTER_BYTES = 512 * 2 ** 20;
/** The small JSON files of an adapter folder at most this large (PEFT's adapter_config.json is under 2 KB). */
const MAX_JSON_BYTES = 1 << 20;
/** A zip of an adapter folder holds a handful of files; past this it is not one. */
const MAX_ZIP_ENTRIES = 1000;
const LABELS_FILE = 'labels.json';
/** The files an adapter folder may bring, by their fixed names; anything else in a zip or folder is left behind. */
const KEPT = [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, 'config.json', LABELS_FILE] as const;

export function isZipPath(p: string): boolean {
  return /\.zip$/i.test(p);
}

/** A checked adapter folder, ready to land. */
export interface AdapterCandidate {
  dir: string;
  config: AdapterConfig;
  baseConfig: BGPTConfig;
  baseSha256: string;
  parameters: number;
  labels: string[] | null;
}

/**
 * Checks an adapter folder against its base in `catalogue`: its config (one line for a foreign or broken one), the
 * base (present, same weights: else what to import), config.json if it has one (the base's shape), every tensor's
 * name and shape (checkpoint/adapter.ts adapterWeights, read from the header only), and a classifier's labels.
 */
export async function checkAdapterFolder(dir: string, catalogue: Catalogue): Promise<AdapterCandidate> {
  const config = await readAdapterConfig(dir);
  const base = await findAdapterBase(dir, catalogue, config);
  const baseConfig = base.model ? configFromJson(base.model.config, `model ${base.model.name}`, { classifier: true }) : await readFolderConfig(base.path, { classifier: true });
  const own = await readSmallJson(path.join(dir, 'config.json'));
  if (own !== undefined) {
    const c = configFromJson(own, path.join(dir, 'config.json'), { classifier: true });
    if (JSON.stringify(configToJson(c)) !== JSON.stringify(configToJson(baseConfig))) {
      throw new UserError(`${dir}: its config.json does not match its base '${base.name}' (hidden ${c.hiddenSize} vs ${baseConfig.hiddenSize}, ${c.patchNumLayers}+${c.byteNumLayers} vs ${baseConfig.patchNumLayers}+${baseConfig.byteNumLayers} layers)`, 'BASE_MISMATCH');
    }
  }
  const file = path.join(dir, ADAPTER_WEIGHTS_FILE);
  const st = await fs.stat(file).catch(() => null);
  if (!st?.isFile()) throw new UserError(`${dir}: no ${ADAPTER_WEIGHTS_FILE}`, 'BAD_CHECKPOINT');
  if (st.size > MAX_ADAPTER_BYTES) throw new UserError(`${file}: ${st.size} bytes is more than an adapter may be (${MAX_ADAPTER_BYTES / 2 ** 20} MiB)`, 'TOO_LARGE');
  const { tensors } = await readSafetensorsIndex(file);
  const shapes = new Map([...tensors].map(([name, e]) => [name, { shape: e.shape, data: new Float32Array(0) }]));
  adapterWeights(config, baseConfig, shapes, file);
  const parameters = [...tensors.values()].reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
  let labels: string[] | null = null;
  if (config.kind === 'classifier') {
    const json = await readSmallJson(path.join(dir, LABELS_FILE));
    if (!Array.isArray(json) || json.length === 0 || !json.every((l) => typeof l === 'string' && l.length > 0 && l.length <= 200) || new Set(json).size !== json.length) {
      throw new UserError(`${dir}: a classification adapter needs ${LABELS_FILE}, a list of distinct label names`, 'BAD_CHECKPOINT');
    }
    labels = json as string[];
  }
  return { dir, config, baseConfig, baseSha256: base.sha256, parameters, labels };
}

async function readSmallJson(file: string): Promise<unknown | undefined> {
  const st = await fs.stat(file).catch(() => null);
  if (!st?.isFile()) return undefined;
  if (st.size > MAX_JSON_BYTES) throw new UserError(`${file}: ${st.size} bytes is far too large for this file`, 'BAD_CHECKPOINT');
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    throw new UserError(`${file}: not valid JSON`, 'BAD_CHECKPOINT');
  }
}

/** The name a new adapter model gets unless the user gives one: its folder's, or `<base>-lora-r<rank>` for a generic one. */
export function defaultAdapterName(source: string, c: AdapterConfig): string {
  const stem = path.basename(source).replace(/\.zip$/i, '');
  const generic = /^(adapter|best|last|lora|checkpoint|[.]*)$/i.test(stem) || !/^[\w .·+-]{1,100}$/.test(stem);
  return generic ? `${c.base.name.replace(/\.(pth|pt)$/i, '')}-lora-r${c.settings.rank}` : stem;
}

/** A free model name from `wanted`: itself, else `wanted-2`, `wanted-3`… (only when the user gave none). */
async function freeName(catalogue: Catalogue, wanted: string, given: boolean): Promise<string> {
  const name = checkModelName(wanted);
  if (given || !(await catalogue.models.nameTaken(name))) return name;
  for (let i = 2; ; i++) if (!(await catalogue.models.nameTaken(`${name}-${i}`))) return `${name}-${i}`;
}

/**
 * Lands a checked adapter as a model: a temporary folder renamed into `<home>/models/<id>/` whole (config.json of
 * the base, the adapter config as the studio writes it, the weights copied with their sha256, labels), then its row.
 */
export async function landAdapter(home: string, catalogue: Catalogue, c: AdapterCandidate, opts: { name?: string; source: string }): Promise<string> {
  const name = await freeName(catalogue, opts.name ?? defaultAdapterName(opts.source, c.config), opts.name !== undefined);
  const id = newId('mdl');
  const dir = modelDir(home, id);
  const tmp = path.join(modelsDir(home), `.tmp-${id}`);
  await fs.mkdir(tmp, { recursive: true, mode: 0o700 });
  let sha256: string;
  try {
    await fs.writeFile(path.join(tmp, 'config.json'), JSON.stringify(configToJson(c.baseConfig), null, 1), { mode: 0o600 });
    await fs.writeFile(path.join(tmp, ADAPTER_CONFIG_FILE), JSON.stringify(adapterConfigToJson(c.config), null, 1), { mode: 0o600 });
    if (c.labels) await fs.writeFile(path.join(tmp, LABELS_FILE), JSON.stringify(c.labels), { mode: 0o600 });
    const target = path.join(tmp, ADAPTER_WEIGHTS_FILE);
    const bytes = await fs.readFile(path.join(c.dir, ADAPTER_WEIGHTS_FILE));
    sha256 = createHash('sha256').update(bytes).digest('hex');
    await fs.writeFile(target, bytes, { mode: 0o600 });
    const h = await fs.open(target, 'r');
    try { await h.sync(); } finally { await h.close(); }
    await fs.rename(tmp, dir);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const s = c.config.settings;
  const adapter: AdapterMeta = {
    rank: s.rank, alpha: s.alpha, dropout: s.dropout, targets: s.targets, levels: s.levels, trainLayerNorms: s.trainLayerNorms,
    trainBiases: s.trainBiases, baseName: c.config.base.name,
  };
  const file = path.join(dir, ADAPTER_WEIGHTS_FILE);
  const row: NewModel = {
    id, name, source: opts.source, kind: c.config.kind, config: configToJson(c.baseConfig) as unknown as Record<string, number>,
    parameters: c.parameters, size: (await fs.stat(file)).size, sha256, labels: c.labels, meta: { fileName: path.basename(opts.source) },
    path: file, baseSha256: c.baseSha256, adapter,
  };
  try {
    await catalogue.models.insert(row);
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  return id;
}

/**
 * Unpacks the adapter files of a zip into a new private folder under the home's downloads/ (the caller removes it):
 * the kept names only, from the archive's root or one folder in it, each within its size limit as it inflates.
 * Links, encrypted entries, a name met twice, or two folders with adapters are refused in one line.
 */
export async function unzipAdapter(home: string, zipFile: string): Promise<string> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(zipFile, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (err, z) => (err ? reject(err) : resolve(z)));
  }).catch((err: Error) => { throw new UserError(`${zipFile}: not a zip archive (${err.message})`, 'BAD_INPUT'); });
  const out = path.join(downloadsDir(home), `adapter-${randomBytes(8).toString('hex')}`);
  try {
    const entries = await listEntries(zip, zipFile);
    const picked = pickAdapterEntries(entries, zipFile);
    await fs.mkdir(out, { recursive: true, mode: 0o700 });
    for (const [name, e] of picked) {
      const limit = name === ADAPTER_WEIGHTS_FILE ? MAX_ADAPTER_BYTES : MAX_JSON_BYTES;
      if (e.uncompressedSize > limit) throw new UserError(`${zipFile}: ${e.fileName} is ${e.uncompressedSize} bytes, more than the ${limit}-byte limit`, 'TOO_LARGE');
      await inflateTo(zip, e, path.join(out, name), limit, zipFile);
    }
    return out;
  } catch (err) {
    await fs.rm(out, { recursive: true, force: true });
    throw err;
  } finally {
    zip.close();
  }
}

function listEntries(zip: yauzl.ZipFile, file: string): Promise<yauzl.Entry[]> {
  return new Promise<yauzl.Entry[]>((resolve, reject) => {
    const all: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      if (all.length >= MAX_ZIP_ENTRIES) { reject(new UserError(`${file}: more than ${MAX_ZIP_ENTRIES} entries; not an adapter folder`, 'BAD_INPUT')); return; }
      all.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve(all));
    zip.on('error', (err: Error) => reject(new UserError(`${file}: bad zip archive (${err.message})`, 'BAD_INPUT')));
    zip.readEntry();
  });
}

/** The kept files of the one folder (or the root) holding adapter_config.json, by their fixed names. */
function pickAdapterEntries(entries: yauzl.Entry[], file: string): Map<string, yauzl.Entry> {
  const files = entries.filter((e) => !e.fileName.endsWith('/') && !e.fileName.startsWith('__MACOSX/'));
  const configs = files.filter((e) => e.fileName.split('/').pop() === ADAPTER_CONFIG_FILE);
  if (configs.length === 0) throw new UserError(`${file}: no ${ADAPTER_CONFIG_FILE} in the archive, so not a LoRA adapter`, 'BAD_INPUT');
  if (configs.length > 1) throw new UserError(`${file}: ${configs.length} folders with an ${ADAPTER_CONFIG_FILE}; zip one adapter at a time`, 'BAD_INPUT');
  const folder = configs[0].fileName.slice(0, -ADAPTER_CONFIG_FILE.length);
  if (folder.split('/').length > 2) throw new UserError(`${file}: the adapter lies too deep in the archive (${folder}); zip its folder itself`, 'BAD_INPUT');
  const picked = new Map<string, yauzl.Entry>();
  for (const e of files) {
    if (!e.fileName.startsWith(folder)) continue;
    const name = e.fileName.slice(folder.length);
    if (!(KEPT as readonly string[]).includes(name)) continue;
    // Bit 0: encrypted; the external attributes' file type 0o120000: a symbolic link.
    if (e.generalPurposeBitFlag & 1) throw new UserError(`${file}: ${e.fileName} is encrypted`, 'BAD_INPUT');
    if (((e.externalFileAttributes >>> 16) & 0o170000) === 0o120000) throw new UserError(`${file}: ${e.fileName} is a link, not a file`, 'BAD_INPUT');
    if (picked.has(name)) throw new UserError(`${file}: ${e.fileName} appears twice`, 'BAD_INPUT');
    picked.set(name, e);
  }
  return picked;
}

async function inflateTo(zip: yauzl.ZipFile, e: yauzl.Entry, to: string, limit: number, file: string): Promise<void> {
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
    zip.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s)));
  }).catch((err: Error) => { throw new UserError(`${file}: bad zip entry ${e.fileName} (${err.message})`, 'BAD_INPUT'); });
  const h = await fs.open(to, 'wx', 0o600);
  let total = 0;
  try {
    for await (const c of stream as AsyncIterable<Buffer>) {
      total += c.length;
      if (total > limit) throw new UserError(`${file}: ${e.fileName} inflates past the ${limit}-byte limit`, 'TOO_LARGE');
      await h.write(c);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${file}: bad zip entry ${e.fileName} (${(err as Error).message})`, 'BAD_INPUT');
  } finally {
    await h.close();
  }
}

/** Whether `p` (a folder) or the zip at `p` is meant as an adapter import rather than a .pth. */
export async function isAdapterSource(p: string): Promise<boolean> {
  return isZipPath(p) || (await isAdapterFolder(p));
}
