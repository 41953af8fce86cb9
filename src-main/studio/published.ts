// The five published bGPT checkpoints (Hugging Face sander-wood/bgpt, paper §4) and what each file must
// be: its exact size and sha256, shipped with the studio (docs/security.md, "Pinned weights"). The values
// are the Git LFS pointers of commit f4d5afeb22a497478c94da7ccf5fe46c17f1243a ("Upload 5 files", the
// only commit that touched them; the repository's blob pages show the same SHA256 for main). A download
// whose size or sha256 differs is refused, whatever the server's own headers say: a mirror
// (BGPT_HF_ENDPOINT) or a man in the middle cannot pass another file off as a published model.
// The hub where they are published, and the only hosts its downloads may be redirected to, are here too.
import { UserError } from '../shared/errors';

export const PUBLISHED_MODELS = ['conversion', 'cpu', 'text', 'image', 'audio'] as const;
export type PublishedName = (typeof PUBLISHED_MODELS)[number];

export interface PublishedFile {
  /** The file in the repository. */
  file: string;
  /** Exact size in bytes; null where not known (then a download needs the user's --sha256). */
  size: number | null;
  /** sha256 of the whole file (lower-case hex); null where not known. */
  sha256: string | null;
  description: string;
}

export type PublishedTable = Record<PublishedName, PublishedFile>;

export const PUBLISHED_REPO = 'sander-wood/bgpt';

/** The files as published (each 1.32 GB: the model with its optimizer and scheduler state). */
export const PUBLISHED_FILES: PublishedTable = {
  conversion: {
    file: 'weights-conversion.pth', size: 1_324_411_499, sha256: 'f2b90f6aeadc96bcd8b7dd196c8551fdf0108abb679dc7b3d14bf80a3ffb9af5',
    description: 'ABC ↔ MIDI symbolic music conversion (Irishman)',
  },
  cpu: {
    file: 'weights-cpu.pth', size: 1_324_401_967, sha256: '1da03e30eb5895a2a7099fe7fccd3e90f7d2b3ff230f01691d8cd03a93edd3c2',
    description: "CPU-state modelling (the paper's toy CPU)",
  },
  text: {
    file: 'weights-text.pth', size: 1_324_402_756, sha256: 'f30ed5a814086c5b9e64f56a76ccfcded00a82fc71c3ba6de322b708d29f6ac7',
    description: 'text (Wikipedia)',
  },
  image: {
    file: 'weights-image.pth', size: 1_324_403_545, sha256: '364087044ecc7954e908797c26dabcf00b7fa2abd9cf59de9e8d688bb881213b',
    description: 'images (ImageNet 32×32 BMP)',
  },
  audio: {
    file: 'weights-audio.pth', size: 1_324_403_545, sha256: '56db7ac503deb3a3a51dcc233ed34a3f8b1d9198a9d7b28fda4affe0a8308377',
    description: 'audio (LibriSpeech 8 kHz WAV)',
  },
};

/**
 * Pins for a test hub: a JSON object `{"text": {"size": N, "sha256": "…"}, …}` in this variable replaces
 * entries of the table, honoured only while BGPT_HF_ENDPOINT is a hub on this machine (the end-to-end
 * tests serve a small checkpoint as a published name). Downloads from any other hub use the shipped pins.
 */
export const TEST_PINS_ENV = 'BGPT_TEST_PUBLISHED';

/** The table downloads are checked against: the shipped pins, or a loopback test hub's (TEST_PINS_ENV). */
export function publishedFiles(env: NodeJS.ProcessEnv = process.env): PublishedTable {
  const raw = env[TEST_PINS_ENV];
  if (!raw) return PUBLISHED_FILES;
  if (!isLoopbackHost(new URL(hfEndpoint(env)).hostname)) {
    throw new UserError(`${TEST_PINS_ENV} is honoured only for a test hub on this machine (${HF_ENDPOINT_ENV}=http://127.0.0.1:…)`, 'BAD_ARGS');
  }
  let pins: Record<string, { size?: unknown; sha256?: unknown }>;
  try {
    pins = JSON.parse(raw) as typeof pins;
  } catch {
    throw new UserError(`${TEST_PINS_ENV} is not JSON`, 'BAD_ARGS');
  }
  const table = { ...PUBLISHED_FILES };
  for (const [name, pin] of Object.entries(pins)) {
    if (!isPublished(name) || typeof pin?.size !== 'number' || typeof pin.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(pin.sha256)) {
      throw new UserError(`${TEST_PINS_ENV}: '${name}' needs a published name, a size and a sha256`, 'BAD_ARGS');
    }
    table[name] = { ...table[name], size: pin.size, sha256: pin.sha256 };
  }
  return table;
}

export function isPublished(name: string): name is PublishedName {
  return (PUBLISHED_MODELS as readonly string[]).includes(name);
}

/** Environment variable overriding the Hugging Face base URL (mirrors, tests), as HF_ENDPOINT does for huggingface_hub. */
export const HF_ENDPOINT_ENV = 'BGPT_HF_ENDPOINT';
export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/**
 * Hosts the hub sends its downloads on to (Hugging Face's own firewall guidance: `*.hf.co`, which holds
 * the Xet and CDN hosts such as cas-bridge.xethub.hf.co and cdn-lfs-us-1.hf.co, and `*.huggingface.co`,
 * the legacy LFS CDN). A mirror named by BGPT_HF_ENDPOINT may redirect within its own host only.
 */
export const HUB_CDN_SUFFIXES = ['.hf.co', '.huggingface.co'];

/** A loopback host: plain http is allowed to it (local mirrors, tests), nowhere else. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** `https:` anywhere, `http:` to a loopback host only; the reason otherwise. */
export function transportProblem(url: URL): string | null {
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null;
  if (url.protocol === 'http:') return 'plain http is not used for downloads (only https:, or http: to this machine for a local mirror)';
  return `a ${url.protocol.replace(':', '')} URL cannot be downloaded (give an https: URL)`;
}

/** The hub's base URL: BGPT_HF_ENDPOINT (https:, or http: on loopback) or huggingface.co. */
export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env[HF_ENDPOINT_ENV] || DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`${HF_ENDPOINT_ENV}=${raw} is not a URL`, 'BAD_URL');
  }
  const problem = transportProblem(url);
  if (problem) throw new UserError(`${HF_ENDPOINT_ENV}=${raw}: ${problem}`, 'BAD_URL');
  let s = url.href;
  while (s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

export function publishedUrl(name: PublishedName, env: NodeJS.ProcessEnv = process.env): string {
  return `${hfEndpoint(env)}/${PUBLISHED_REPO}/resolve/main/${PUBLISHED_FILES[name].file}`;
}

/** Whether a download from the hub may follow a redirect to `next` (the browser's rule, docs/security.md). */
export function hubRedirectAllowed(next: URL, env: NodeJS.ProcessEnv = process.env): boolean {
  const hub = new URL(hfEndpoint(env));
  if (next.protocol !== hub.protocol && next.protocol !== 'https:') return false;
  if (next.host === hub.host) return true;
  const isDefaultHub = hub.href === new URL(DEFAULT_ENDPOINT).href;
  return isDefaultHub && next.protocol === 'https:' && HUB_CDN_SUFFIXES.some((s) => next.hostname.toLowerCase().endsWith(s));
}
