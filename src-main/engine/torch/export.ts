// Export for the reference PyTorch code (docs/pytorch.md): a folder with weights.pth (reference layout),
// a config.py that train-gen.py / train-cls.py / inference.py read (`from config import *`), and
// optionally the data as the train/eval folders those trainers walk (utils.list_files_in_directory). A LoRA
// adapter exports twice: merged into its base as that weights.pth, and alone in the PEFT layout under adapter/.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { defaultNumHeads, type BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { PUBLIC_MODES, tempSibling, writeFileAtomic } from '../../node/atomic';
import { MODEL_FILE, isTorchCheckpointFile, readCheckpointConfig, readModelTensors } from '../io/checkpoint';
import { isAdapterFolder } from '../io/adapter-weights';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, readAdapterConfig } from '../../checkpoint/adapter';
import { readSafetensors, type Tensor } from '../io/safetensors';
import { checkTensors } from '../model/weights';
import { readTorchCheckpoint } from './read';
import { writeTorchCheckpoint } from './write';

export const WEIGHTS_NAME = 'weights.pth';
export const CONFIG_PY = 'config.py';
/** The adapter alone, PEFT's layout (adapter_config.json + adapter_model.safetensors), beside the merged weights. */
export const ADAPTER_DIR = 'adapter';
/** What the reference trainers write when fine-tuning from the export (kept apart from weights.pth). */
const FINETUNED_WEIGHTS = 'weights-finetuned.pth';
const FINETUNED_LOGS = 'logs-finetuned.txt';

/** A checkpoint's tensors, config and what the reference dict records beside them. */
export interface ExportSource {
  config: BGPTConfig;
  tensors: Array<[string, Tensor]>;
  kind: 'generative' | 'classifier';
  labels?: string[];
  epoch?: number;
  minEvalLoss?: number;
  /** The adapter folder merged into `tensors`, when the checkpoint was one: exported alone too. */
  adapterDir?: string;
}

/** One file of the exported data: where it goes (relative to the export folder) and where it comes from. */
export interface DataFile {
  to: string;
  from: string;
}

export interface ExportOptions {
  /** Conversion mode written into config.py ('a->b' or 'a&b'), as the studio run used it. */
  conversion?: string | null;
  /** Data files to lay out (relative targets under data/train and data/eval). */
  data?: DataFile[];
}

/**
 * Reads a checkpoint folder or .pth without TF.js: tensors in reference order, checked against the config. An
 * adapter folder is merged (float32, checkpoint/adapter.ts mergeLoraWeight) onto `base`, the weights it names.
 */
export async function exportSource(checkpoint: string, studioEvalLoss?: number | null, base?: string | null): Promise<ExportSource> {
  if (!(await isTorchCheckpointFile(checkpoint)) && (await isAdapterFolder(checkpoint))) {
    const a = await readAdapterConfig(checkpoint);
    if (a.kind === 'classifier') {
      const { readInitWeights } = await import('../classify/load');
      const w = await readInitWeights(checkpoint, base);
      return { config: w.config, tensors: [...w.tensors], kind: 'classifier', labels: w.labels ?? undefined, minEvalLoss: studioEvalLoss ?? undefined, adapterDir: checkpoint };
    }
    const { config, tensors } = await readModelTensors(checkpoint, base);
    return { config, tensors: [...tensors], kind: 'generative', minEvalLoss: studioEvalLoss ?? undefined, adapterDir: checkpoint };
  }
  if (await isTorchCheckpointFile(checkpoint)) {
    const c = await readTorchCheckpoint(checkpoint);
    return { config: c.config, tensors: [...c.tensors], kind: c.kind, labels: c.labels, epoch: c.meta.epoch, minEvalLoss: c.meta.minEvalLoss };
  }
  const config = await readCheckpointConfig(checkpoint);
  const file = path.join(checkpoint, MODEL_FILE);
  const { tensors } = await readSafetensors(file);
  checkTensors(config, tensors, file);
  return { config, tensors: [...tensors], kind: 'generative', minEvalLoss: studioEvalLoss ?? undefined };
}

/** The reference builds every GPT-2 with n_head = HIDDEN_SIZE // 64: other head counts cannot be expressed. */
function checkReferenceExpressible(c: BGPTConfig, source: string): void {
  if (c.hiddenSize < 64 || c.numHeads !== defaultNumHeads(c.hiddenSize)) {
    throw new UserError(`${source}: ${c.numHeads} heads of width ${c.hiddenSize / c.numHeads}; the reference code always uses hidden_size // 64 = ${Math.floor(c.hiddenSize / 64)} heads, so it would compute a different model`, 'NOT_EXPRESSIBLE');
  }
}

function py(v: string | null): string {
  return v === null ? 'None' : JSON.stringify(v);
}

/** config.py in the reference's own layout and names (its config.py at the pinned commit). */
export function referenceConfigPy(src: ExportSource, opts: { conversion?: string | null; hasTrain: boolean; hasEval: boolean }): string {
  const c = src.config;
  const conv = opts.conversion ?? null;
  const [inExt, outExt] = conv ? conv.split(/->|&/) : ['abc', 'mid'];
  return `# Configuration written by bGPT Studio (bgpt export torch) for the reference bGPT code
# (https://github.com/sanderwood/bgpt): train-gen.py, train-cls.py and inference.py read it with
# \`from config import *\`. Train on many GPUs with: torchrun --nproc_per_node=N train-gen.py
# Fine-tuning starts from ${WEIGHTS_NAME} (LOAD_FROM_PRETRAINED) and saves the best epoch to
# ${FINETUNED_WEIGHTS}, which a re-run resumes from (LOAD_FROM_CHECKPOINT); bring it back with
# bgpt models import ${FINETUNED_WEIGHTS} (its ${FINETUNED_LOGS} beside it brings the curves).

# Configuration for generative modelling and classification
TRAIN_FOLDERS = [${opts.hasTrain ? '"data/train"' : ''}]                             # Folder containing training data
EVAL_FOLDERS = [${opts.hasEval ? '"data/eval"' : ''}]                               # Folder containing evaluation data
EVAL_SPLIT = 0.01                                                # Split of evaluation data (used when EVAL_FOLDERS hold no files)

# Configuration for the paths
PRETRAINED_PATH = "${WEIGHTS_NAME}"                              # Path to pre-trained weights
WEIGHTS_PATH = "${FINETUNED_WEIGHTS}"                        # Path to save weights
LOGS_PATH = "${FINETUNED_LOGS}"                              # Path to save logs

# Configuration for the model (read from the exported checkpoint: do not change)
PATCH_SIZE = ${c.patchSize}                                                 # Patch Size
PATCH_LENGTH = ${c.patchLength}                                             # Patch Length
BYTE_NUM_LAYERS = ${c.byteNumLayers || 3}                                             # Number of layers in the decoder
PATCH_NUM_LAYERS = ${c.patchNumLayers}                                           # Number of layers in the encoder
HIDDEN_SIZE = ${c.hiddenSize}                                               # Hidden Size

# Configuration for the training
NUM_EPOCHS = 32                                                 # Number of epochs to train for (if early stopping doesn't intervene)
LEARNING_RATE = 1e-5                                            # Learning rate for the optimizer
BATCH_SIZE = 8                                                  # Batch size for training
ACCUMULATION_STEPS = 1                                          # Accumulation steps to simulate large batch size
PATCH_SAMPLING_BATCH_SIZE = 0                                   # Batch size for patch during training, 0 for full batch
LOAD_FROM_CHECKPOINT = True                                     # Whether to load weights from a checkpoint (resumes ${FINETUNED_WEIGHTS} once it exists)
LOAD_FROM_PRETRAINED = True                                     # Whether to load pre-trained weights from a checkpoint
CONVERSION_MODE = ${py(conv)}                                          # Mode of conversion None for autoregressive training, 'input->output' for unidirectional conversion, 'input&output' for bidirectional conversion)
WANDB_LOG = False                                               # Whether to log to wandb
SHOW_WARNS = False                                              # Whether to show warnings
DETERMINISTIC = True                                            # Whether to set random seed for reproducibility

# Configuration for inference
INFERENCE_WEIGHTS_PATH = "${WEIGHTS_NAME}"                      # Path to weights for inference
INPUT_EXT = ${py(inExt)}                                               # Extension of input files, used for conversion
TARGET_EXT = ${py(outExt)}                                              # Extension of target files
INPUT_FOLDER = "input"                                          # Folder containing input files
OUTPUT_FOLDER = "output"                                        # Folder to save output files
INFERENCE_MODE = ${conv ? '"convert"' : '"generate"'}                                      # Mode of inference (convert or generate)
NUM_SAMPLES = 100                                               # Number of samples to generate (only for generate mode)
TOP_K = 0                                                       # Top k for sampling
TOP_P = 1.                                                      # Top p for sampling
TEMPERATURE = 1                                                 # Temperature for sampling
`;
}

/** True when `dir` does not exist or is an empty folder (the export never overwrites anything). */
async function usableTarget(dir: string): Promise<boolean> {
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat) return true;
  return stat.isDirectory() && (await fs.readdir(dir)).length === 0;
}

/**
 * Writes the export folder atomically: built under a temporary sibling, renamed into place whole.
 * Returns the paths written.
 */
export async function exportTorch(src: ExportSource, out: string, opts: ExportOptions & { source: string }): Promise<{ weights: string; config: string; adapter: string | null; train: number; eval: number }> {
  checkReferenceExpressible(src.config, opts.source);
  if (!(await usableTarget(out))) throw new UserError(`--out ${out}: already exists and is not empty (the export writes a new folder)`, 'EXISTS');
  const data = opts.data ?? [];
  const train = data.filter((d) => d.to.startsWith('data/train/')).length;
  const evalCount = data.filter((d) => d.to.startsWith('data/eval/')).length;
  // The user's own folder, for other tools and machines: ordinary (umask) modes, not the studio's private ones.
  await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true, mode: PUBLIC_MODES.dir });
  const tmp = tempSibling(path.resolve(out));
  try {
    await fs.mkdir(tmp, { mode: PUBLIC_MODES.dir });
    await writeTorchCheckpoint(path.join(tmp, WEIGHTS_NAME), src.tensors, { labels: src.labels, epoch: src.epoch, minEvalLoss: src.minEvalLoss, modes: PUBLIC_MODES });
    await writeFileAtomic(path.join(tmp, CONFIG_PY), referenceConfigPy(src, { conversion: opts.conversion, hasTrain: train > 0, hasEval: evalCount > 0 }), PUBLIC_MODES);
    if (src.adapterDir) {
      // Byte for byte as trained: PEFT's keys and the reference model's module names are already what the file holds.
      await fs.mkdir(path.join(tmp, ADAPTER_DIR), { mode: PUBLIC_MODES.dir });
      for (const name of [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]) {
        await fs.copyFile(path.join(src.adapterDir, name), path.join(tmp, ADAPTER_DIR, name));
        await fs.chmod(path.join(tmp, ADAPTER_DIR, name), 0o644);
      }
    }
    for (const d of data) {
      const to = path.join(tmp, ...d.to.split('/'));
      if (!to.startsWith(tmp + path.sep)) throw new UserError(`data file name ${d.to} leaves the export folder`, 'BAD_ARGS');
      await fs.mkdir(path.dirname(to), { recursive: true, mode: PUBLIC_MODES.dir });
      await fs.copyFile(d.from, to);
      await fs.chmod(to, 0o644); // blobs in the home are private (0600); the copy is the user's
    }
    // rmdir removes only an empty folder (checked above): a file that appeared since is never lost.
    await fs.rmdir(out).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err; });
    await fs.rename(tmp, out);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { weights: path.join(out, WEIGHTS_NAME), config: path.join(out, CONFIG_PY), adapter: src.adapterDir ? path.join(out, ADAPTER_DIR) : null, train, eval: evalCount };
}

/**
 * Lays out files as train/eval folders: each keeps its name (train-cls.py reads the label from it,
 * conversion pairs share a stem in one folder); a name met twice goes into a numbered sub-folder,
 * which the reference's os.walk still finds. Pairs (same `group`) always land in the same folder.
 */
export function layoutData(files: Array<{ from: string; name: string; split: 'train' | 'eval'; group?: string | null }>): DataFile[] {
  const out: DataFile[] = [];
  const used = new Map<string, Set<string>>(); // folder → names taken
  const groups = new Map<string, typeof files>();
  files.forEach((f, i) => {
    const key = `${f.split}\u0000${f.group ?? `#${i}`}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  });
  for (const members of groups.values()) {
    const split = members[0].split;
    const names = members.map((m) => safeName(m.name));
    // Two members of one group with one name (not a real pair): number the later ones.
    names.forEach((n, i) => { if (names.indexOf(n) !== i) names[i] = `${i + 1}-${n}`; });
    for (let k = 0; ; k++) {
      const folder = k === 0 ? `data/${split}` : `data/${split}/${k + 1}`;
      const taken = used.get(folder) ?? new Set<string>();
      if (names.some((n) => taken.has(n))) continue;
      names.forEach((n, i) => { taken.add(n); out.push({ to: `${folder}/${n}`, from: members[i].from }); });
      used.set(folder, taken);
      break;
    }
  }
  return out;
}

/** A stored original name made safe as one path segment. */
function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f]/g, '_');
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}
