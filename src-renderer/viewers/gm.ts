// General MIDI, the pure part of playback (docs/walkthrough.md): program number → GM family → a voice
// recipe, GM drum key → drum voice (channel 10), per-track mute/solo, and tempo scaling of the schedule.
// The families and the percussion key map are those of the General MIDI Level 1 specification (MMA,
// 1991: 16 families of 8 programs; channel 10 percussion keys 35–81). There is no GM sound bank here:
// each family gets a small synth recipe (Tone.js oscillator/FM/AM voice + envelope), pianos the sampler.
import type { PlayableNote } from '../../src-main/formats/preview/midi';

export const GM_FAMILIES = [
  'piano', 'chromatic percussion', 'organ', 'guitar', 'bass', 'strings', 'ensemble', 'brass',
  'reed', 'pipe', 'synth lead', 'synth pad', 'synth effects', 'ethnic', 'percussive', 'sound effects',
] as const;
export type GmFamily = (typeof GM_FAMILIES)[number];

/** MIDI channel 10 (0-based 9) is the GM percussion channel. */
export const DRUM_CHANNEL = 9;

/** Family of a GM program number 0..127 (out-of-range numbers are clamped, not rejected: a damaged
 *  generated file should still play). */
export function gmFamily(program: number): GmFamily {
  const p = Math.min(127, Math.max(0, Math.trunc(program) || 0));
  return GM_FAMILIES[p >> 3];
}

export type Envelope = { attack: number; decay: number; sustain: number; release: number };
/** How a family sounds: 'piano' is the Salamander sampler; the rest are Tone.js synth voices. */
export type VoiceRecipe =
  | { engine: 'piano' }
  | { engine: 'synth' | 'fm' | 'am'; oscillator: 'sine' | 'triangle' | 'square' | 'sawtooth'; envelope: Envelope; harmonicity?: number; modulationIndex?: number };

const env = (attack: number, decay: number, sustain: number, release: number): Envelope => ({ attack, decay, sustain, release });

/** One recipe per family, chosen for the family's envelope shape first (plucked, bowed, blown, struck),
 *  timbre second: enough to tell a bass line from a string pad, not an imitation of the instruments. */
const RECIPES: Record<GmFamily, VoiceRecipe> = {
  piano: { engine: 'piano' },
  'chromatic percussion': { engine: 'fm', oscillator: 'sine', envelope: env(0.001, 0.6, 0, 0.8), harmonicity: 3.5, modulationIndex: 6 },
  organ: { engine: 'synth', oscillator: 'square', envelope: env(0.01, 0.05, 0.9, 0.08) },
  guitar: { engine: 'fm', oscillator: 'triangle', envelope: env(0.002, 0.9, 0.1, 0.4), harmonicity: 2, modulationIndex: 3 },
  bass: { engine: 'synth', oscillator: 'triangle', envelope: env(0.005, 0.3, 0.6, 0.15) },
  strings: { engine: 'synth', oscillator: 'sawtooth', envelope: env(0.12, 0.2, 0.85, 0.5) },
  ensemble: { engine: 'am', oscillator: 'sawtooth', envelope: env(0.2, 0.3, 0.8, 0.7), harmonicity: 1.005 },
  brass: { engine: 'fm', oscillator: 'sawtooth', envelope: env(0.05, 0.2, 0.75, 0.2), harmonicity: 1, modulationIndex: 4 },
  reed: { engine: 'am', oscillator: 'square', envelope: env(0.04, 0.2, 0.8, 0.15), harmonicity: 2 },
  pipe: { engine: 'synth', oscillator: 'sine', envelope: env(0.06, 0.1, 0.9, 0.2) },
  'synth lead': { engine: 'synth', oscillator: 'sawtooth', envelope: env(0.01, 0.1, 0.8, 0.2) },
  'synth pad': { engine: 'am', oscillator: 'triangle', envelope: env(0.4, 0.5, 0.8, 1.2), harmonicity: 1.5 },
  'synth effects': { engine: 'fm', oscillator: 'sine', envelope: env(0.2, 0.4, 0.6, 1), harmonicity: 7, modulationIndex: 10 },
  ethnic: { engine: 'fm', oscillator: 'triangle', envelope: env(0.002, 0.7, 0.05, 0.5), harmonicity: 3, modulationIndex: 5 },
  percussive: { engine: 'fm', oscillator: 'sine', envelope: env(0.001, 0.25, 0, 0.2), harmonicity: 1.4, modulationIndex: 8 },
  'sound effects': { engine: 'am', oscillator: 'square', envelope: env(0.05, 0.3, 0.5, 0.6), harmonicity: 5 },
};

export function voiceRecipe(family: GmFamily): VoiceRecipe {
  return RECIPES[family];
}

/** The drum voices: kick and toms are pitched membranes, snare/clap noise bursts, hats/cymbals metal. */
export type DrumVoice = 'kick' | 'snare' | 'clap' | 'tom' | 'closed hat' | 'open hat' | 'cymbal' | 'perc';

/** GM Level 1 percussion key → drum voice (keys outside 35–81 fall to 'perc', a short click). */
export function drumVoice(key: number): DrumVoice {
  if (key === 35 || key === 36) return 'kick';
  if (key === 38 || key === 40) return 'snare';
  if (key === 37 || key === 39) return 'clap'; // side stick, hand clap
  if ([41, 43, 45, 47, 48, 50].includes(key)) return 'tom';
  if (key === 42 || key === 44) return 'closed hat'; // closed, pedal
  if (key === 46) return 'open hat';
  if ([49, 51, 52, 53, 55, 57, 59].includes(key)) return 'cymbal'; // crashes, rides, china, splash
  return 'perc';
}

/** A note as the player schedules it: which track it belongs to, its channel and its track's program. */
export type TrackNote = PlayableNote;

/** Which tracks sound: soloing any track silences every track not soloed (as on a mixing desk; solo
 *  wins over mute on the same track); otherwise every track not muted. */
export function audibleTracks(trackCount: number, muted: ReadonlySet<number>, soloed: ReadonlySet<number>): Set<number> {
  const all = Array.from({ length: trackCount }, (_, i) => i);
  return new Set(soloed.size ? all.filter((t) => soloed.has(t)) : all.filter((t) => !muted.has(t)));
}

/** Lowest and highest playback rates the tempo control offers (½× to 2× the file's own tempo). */
export const MIN_RATE = 0.5;
export const MAX_RATE = 2;

export function clampRate(rate: number): number {
  return Number.isFinite(rate) ? Math.min(MAX_RATE, Math.max(MIN_RATE, rate)) : 1;
}

/** The events handed to the transport: notes of audible tracks, times and durations in transport
 *  seconds (file seconds ÷ rate, so 200 % plays in half the time). */
export function buildSchedule(notes: readonly TrackNote[], audible: ReadonlySet<number>, rate: number): TrackNote[] {
  const r = clampRate(rate);
  return notes.filter((n) => audible.has(n.track)).map((n) => ({ ...n, time: n.time / r, duration: n.duration / r }));
}

/** Plain name of what a track plays through, for the track legend. */
export function voiceLabel(channel: number, program: number): string {
  return channel === DRUM_CHANNEL ? 'drum kit' : gmFamily(program) === 'piano' ? 'piano (sampled)' : `${gmFamily(program)} (synth)`;
}
