// Rebuilds the built-in classification datasets from Debian packages (datasets/README.md, section
// "Classification"): the paper's three classification shapes at a CPU-sized scale.
//   apt-get install espeak-ng sox fortunes imagemagick fonts-dejavu-core
//   npx tsx datasets/build-classify.ts [speech] [text] [glyphs]      (default: all three)
// - speech/: 10 Speech Commands words spoken by espeak-ng (voices, variants, speeds), 8 kHz mono
//   8-bit WAV as the paper's Speech Commands v2 files; labels `word.wav`.
// - text/:   fortunes of four categories of the `fortunes` package (BSD), labels `category.txt`.
// - glyphs/: the digits 0–9 in the DejaVu fonts (`fonts-dejavu-core`), jittered in size, position,
//   angle and colour, as 32×32 24-bit BMP (the paper's CIFAR-10 shape); labels `digitN.bmp`.
// Each set has train/ and eval/ folders; file names are `LABEL_NNNN.ext` (train-cls.py's labels).
// Everything is deterministic: the same packages give the same files.
import { execFileSync } from 'node:child_process';
import { promises as fs, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../src-main/formats/prng';

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

const FONTS_DIR = '/usr/share/fonts/truetype/dejavu';
const GLYPHS_PER_DIGIT = 36;
const EVAL_GLYPHS_PER_DIGIT = 6;

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

async function buildGlyphs(): Promise<number> {
  const dir = path.join(OUT, 'glyphs');
  await clean(dir);
  const fonts = (await fs.readdir(FONTS_DIR)).filter((f) => /^DejaVu(Sans|Serif)/.test(f) && !f.includes('ExtraLight')).sort();
  const rng = mulberry32(7);
  const rand = () => rng.next();
  const hex = (v: number) => Math.floor(v).toString(16).padStart(2, '0');
  let n = 0;
  for (let digit = 0; digit < 10; digit++) {
    for (let i = 0; i < GLYPHS_PER_DIGIT; i++) {
      const font = fonts[Math.floor(rand() * fonts.length)];
      // Dark ink on a light ground (MNIST-like), each channel jittered a little: colour carries no label.
      const bg = `#${hex(215 + rand() * 40)}${hex(215 + rand() * 40)}${hex(215 + rand() * 40)}`;
      const fg = `#${hex(rand() * 60)}${hex(rand() * 60)}${hex(rand() * 60)}`;
      const size = 20 + Math.floor(rand() * 8);
      const angle = (rand() - 0.5) * 30;
      const dx = Math.round((rand() - 0.5) * 8);
      const dy = Math.round((rand() - 0.5) * 6);
      const split = i < EVAL_GLYPHS_PER_DIGIT ? 'eval' : 'train';
      const out = path.join(dir, split, `digit${digit}_${pad(i)}.bmp`);
      execFileSync('/usr/bin/convert', [
        '-size', '32x32', `xc:${bg}`, '-font', path.join(FONTS_DIR, font), '-pointsize', String(size), '-fill', fg,
        '-gravity', 'center', '-annotate', `${angle.toFixed(1)}x${angle.toFixed(1)}+${dx}+${dy}`, String(digit),
        '-type', 'TrueColor', '-define', 'bmp:format=bmp3', '-compress', 'None', `BMP3:${out}`,
      ]);
      n += 1;
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
  if (want('glyphs')) process.stderr.write(`datasets/classify/glyphs: ${await buildGlyphs()} files\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
