// Audio → the paper's 1-second clips: 8 kHz, mono, unsigned 8-bit PCM WAV (bGPT §4.1 prepares
// LibriSpeech/Speech Commands this way). Decoding, resampling (with its anti-alias low-pass filter)
// and bit-depth conversion are done by the maintained `wavefile` package; mixing to mono and the
// cut into clips are ours.
import * as wavefile from 'wavefile';
import { encodeWav8, PAPER_SAMPLE_RATE } from '../wav';
import { namedExport } from '../interop';

const WaveFile = namedExport(wavefile, 'WaveFile');

/** One clip per second of audio, as in the paper; a last, shorter remainder is dropped. */
export const CLIP_SECONDS = 1;
/** WAVE_FORMAT codes wavefile decodes: PCM, IEEE float, IMA ADPCM, A-law, µ-law, extensible. */
const DECODABLE_FORMATS = new Set([1, 3, 17, 6, 7, 65534]);

interface Fmt { audioFormat: number; numChannels: number; sampleRate: number }

/** Decodes any WAV wavefile reads into one float channel per input channel. */
function decodeChannels(bytes: Uint8Array): { channels: Float64Array[]; rate: number } {
  const wav = new WaveFile();
  wav.fromBuffer(bytes);
  // Copied out: the conversions below reset the fmt object in place.
  const fmt = { ...(wav.fmt as Fmt) };
  if (!DECODABLE_FORMATS.has(fmt.audioFormat)) throw new Error(`WAV encoding ${fmt.audioFormat} cannot be decoded`);
  if (fmt.audioFormat === 17) wav.fromIMAADPCM();
  if (fmt.audioFormat === 6) wav.fromALaw();
  if (fmt.audioFormat === 7) wav.fromMuLaw();
  wav.toBitDepth('32f');
  const samples = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  return { channels: samples instanceof Float64Array ? [samples] : samples, rate: fmt.sampleRate };
}

/** Average of the channels, sample by sample. */
function mixToMono(channels: Float64Array[]): Float64Array {
  const mono = new Float64Array(channels[0].length);
  for (const ch of channels) for (let i = 0; i < mono.length; i++) mono[i] += ch[i] / channels.length;
  return mono;
}

/** A WAV file (any rate, depth, channel count) → 1 s clips of 8 kHz mono unsigned 8-bit WAV. */
export function wavToClips(bytes: Uint8Array, rate = PAPER_SAMPLE_RATE): Uint8Array[] {
  const { channels, rate: sourceRate } = decodeChannels(bytes);
  const mono = new WaveFile();
  mono.fromScratch(1, sourceRate, '32f', mixToMono(channels));
  if (sourceRate !== rate) mono.toSampleRate(rate, { method: 'sinc', LPF: true });
  mono.toBitDepth('8');
  const samples = Uint8Array.from(mono.getSamples(false, Float64Array) as unknown as Float64Array);
  const clip = rate * CLIP_SECONDS;
  const clips: Uint8Array[] = [];
  for (let at = 0; at + clip <= samples.length; at += clip) clips.push(encodeWav8(samples.subarray(at, at + clip), rate));
  return clips;
}
