// Rebuilds the built-in classification datasets from Debian packages (datasets/README.md, section
// "Classification"): the paper's three classification shapes at a CPU-sized scale.
//   apt-get install espeak-ng sox fortunes python3-sklearn dataset-fashion-mnist
//   npx tsx datasets/build-classify.ts [speech] [text] [digits] [fashion]      (default: all four)
// - speech/: 10 Speech Commands words spoken by espeak-ng (voices, variants, speeds), 8 kHz mono
//   8-bit WAV as the paper's Speech Commands v2 files; labels `word.wav`.
// - text/:   fortunes of four categories of the `fortunes` package (BSD), labels `category.txt`.
// - digits/:  UCI handwritten digits (python3-sklearn's copy), 32×32 24-bit BMP (the paper's CIFAR-10
//   shape); labels `digitN.bmp`.
// - fashion/: Fashion-MNIST article photos (dataset-fashion-mnist), 32×32 24-bit BMP; labels
//   `class.bmp`.
// Each set has train/ and eval/ folders; file names are `LABEL_NNNN.ext` (train-cls.py's labels).
// Everything is deterministic: the same packages give the same files.
import { execFileSync } from 'node:child_process';
import { promises as fs, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../src-main/formats/prng';
import { encodeBmp24, type RgbaImage } from '../src-main/formats/bmp';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, 'classify');

/** The ten core words of Speech Commands v2 (Warden 2018). */
const WORDS = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'];
const VOICES = ['en-us', 'en-gb', 'en-gb-scotland', 'en-029', 'en-gb-x-rp'];
const VARIANTS = ['m1', 'm3', 'f1', 'f4'];
const SPEEDS = [140, 180];
/** The held-out variant: eval speech comes from a voice timbre training never hears. */
const EVAL_VARIANT = 'f4';
/** Half a second at 8 kHz: the words fit, and the file fits a 256-patch window. */
const MAX_SECONDS = 0.45;

/**
 * Four large fortune categories (300+ short entries each, so a small model does not just memorise
 * the training set); short fortunes only (they fit the tiny preset's 992-byte window).
 */
const CATEGORIES = ['computers', 'definitions', 'politics', 'songs-poems'];
const FORTUNE_DIR = '/usr/share/games/fortunes';
const MAX_FORTUNE_BYTES = 900;
const PER_CATEGORY = 300;
const EVAL_PER_CATEGORY = 50;

const DIGITS_CSV = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
/** Images per class in all (train + eval), and of those in eval/. */
const IMAGES_PER_CLASS = 120;
const EVAL_IMAGES_PER_CLASS = 20;

function pad(n: number): string {
  return String(n).padStart(4, '0');
}

async function clean(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(path.join(dir, 'train'), { recursive: true });
  await fs.mkdir(path.join(dir, 'eval'), { recursive: true });
}

async function buildSpeech(tmp: string): Promise<number> {
  const dir = path.join(OUT, 'speech');
  await clean(dir);
  let n = 0;
  for (const word of WORDS) {
    let i = 0;
    for (const voice of VOICES) for (const variant of VARIANTS) for (const speed of SPEEDS) {
      const raw = path.join(tmp, 'raw.wav');
      execFileSync('espeak-ng', ['-v', `${voice}+${variant}`, '-s', String(speed), '-w', raw, word]);
      const split = variant === EVAL_VARIANT ? 'eval' : 'train';
      const out = path.join(dir, split, `${word}_${pad(i++)}.wav`);
      // Leading silence off, then 8 kHz, mono, 8-bit unsigned PCM, at most MAX_SECONDS.
      execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '8', '-e', 'unsigned-integer', out, 'silence', '1', '0.01', '1%', 'trim', '0', String(MAX_SECONDS)]);
      n += 1;
    }
  }
  return n;
}

/** Fortunes of a category file: entries separated by lines holding `%`. */
function fortunes(category: string): string[] {
  const text = readFileSync(path.join(FORTUNE_DIR, category), 'utf8');
  return text.split(/^%\n/m).map((t) => t.trim() + '\n').filter((t) => t.length > 20 && Buffer.byteLength(t) <= MAX_FORTUNE_BYTES);
}

async function buildText(): Promise<number> {
  const dir = path.join(OUT, 'text');
  await clean(dir);
  let n = 0;
  for (const cat of CATEGORIES) {
    const all = fortunes(cat);
    const rng = mulberry32(CATEGORIES.indexOf(cat) + 1);
    const rand = () => rng.next();
    // A seeded shuffle, so the categories' order in the package does not decide the split.
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [all[i], all[j]] = [all[j], all[i]];
    }
    const picked = all.slice(0, PER_CATEGORY);
    for (const [i, t] of picked.entries()) {
      const split = i < EVAL_PER_CATEGORY ? 'eval' : 'train';
      await fs.writeFile(path.join(dir, split, `${cat}_${pad(i)}.txt`), t);
      n += 1;
    }
  }
  return n;
}

/** One grey level per pixel (`width*height`, top row first) as an RGBA image of equal channels. */
function grey(pixels: ArrayLike<number>, width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([pixels[i], pixels[i], pixels[i], 255], i * 4);
  return { width, height, data };
}

/** Picks `perClass` indices of each of the ten classes, in order of appearance. */
function firstPerClass(labels: ArrayLike<number>, perClass: number): number[][] {
  const picked: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < labels.length; i++) if (picked[labels[i]].length < perClass) picked[labels[i]].push(i);
  return picked;
}

/**
 * UCI handwritten digits (python3-sklearn's digits.csv.gz: 1,797 8×8 images of 0..16 ink, from 43
 * writers): each pixel becomes a 4×4 block of a 32×32 image, dark ink on white — the 32×32 bitmap
 * the UCI counts were made from, at its own resolution. The order is shuffled (seeded) before the
 * split, so train and eval each draw from all writers.
 */
async function buildDigits(): Promise<number> {
  const dir = path.join(OUT, 'digits');
  await clean(dir);
  const rows = gunzipSync(readFileSync(DIGITS_CSV)).toString('latin1').trim().split('\n').map((l) => l.split(',').map(Number));
  const rng = mulberry32(11);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const labels = rows.map((r) => r[64]);
  let n = 0;
  for (const [digit, indices] of firstPerClass(labels, IMAGES_PER_CLASS).entries()) {
    for (const [i, at] of indices.entries()) {
      const px = new Uint8Array(32 * 32);
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) px[y * 32 + x] = 255 - Math.round((rows[at][(y >> 2) * 8 + (x >> 2)] * 255) / 16);
      const split = i < EVAL_IMAGES_PER_CLASS ? 'eval' : 'train';
      await fs.writeFile(path.join(dir, split, `digit${digit}_${pad(i)}.bmp`), encodeBmp24(grey(px, 32, 32)));
      n += 1;
    }
  }
  return n;
}

/** An IDX file (LeCun's MNIST format): magic, dimensions, then unsigned bytes. */
function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  const b = gunzipSync(readFileSync(file));
  const rank = b[3];
  const dims = Array.from({ length: rank }, (_, i) => b.readUInt32BE(4 + 4 * i));
  return { dims, data: new Uint8Array(b.subarray(4 + 4 * rank)) };
}

/** Fashion-MNIST's ten classes, in label order (the dataset's README). */
const FASHION = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];

/**
 * Fashion-MNIST (dataset-fashion-mnist: Zalando's 28×28 grey article photos, 10 classes): each
 * image centred in a 32×32 black frame, the paper's CIFAR-10 shape. Training images from the
 * package's training file, eval images from its test file.
 */
async function buildFashion(): Promise<number> {
  const dir = path.join(OUT, 'fashion');
  await clean(dir);
  let n = 0;
  for (const [split, images, labels, perClass] of [
    ['train', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', IMAGES_PER_CLASS - EVAL_IMAGES_PER_CLASS],
    ['eval', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', EVAL_IMAGES_PER_CLASS],
  ] as const) {
    const img = readIdx(path.join(FASHION_DIR, images));
    const lab = readIdx(path.join(FASHION_DIR, labels));
    const [, h, w] = img.dims;
    for (const [c, indices] of firstPerClass(lab.data, perClass).entries()) {
      for (const [i, at] of indices.entries()) {
        const px = new Uint8Array(32 * 32);
        for (let y = 0; y < h; y++) px.set(img.data.subarray(at * h * w + y * w, at * h * w + (y + 1) * w), (y + 2) * 32 + 2);
        await fs.writeFile(path.join(dir, split, `${FASHION[c]}_${pad(i)}.bmp`), encodeBmp24(grey(px, 32, 32)));
        n += 1;
      }
    }
  }
  return n;
}

const wanted = process.argv.slice(2);
const want = (name: string) => wanted.length === 0 || wanted.includes(name);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bgpt-classify-'));
try {
  if (want('speech')) process.stderr.write(`datasets/classify/speech: ${await buildSpeech(tmp)} files\n`);
  if (want('text')) process.stderr.write(`datasets/classify/text: ${await buildText()} files\n`);
  if (want('digits')) process.stderr.write(`datasets/classify/digits: ${await buildDigits()} files\n`);
  if (want('fashion')) process.stderr.write(`datasets/classify/fashion: ${await buildFashion()} files\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
