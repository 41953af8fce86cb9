// The sounds of the built-in synth (docs/walkthrough.md): one Tone.js voice per GM family and per drum
// voice, made on first use and shared by every viewer. Recipes and the drum map are the pure part in
// gm.ts; pianos play the bundled Salamander sampler (piano.ts). Built-in synth voices, not a General
// MIDI sound bank.
import * as Tone from 'tone';
import { DRUM_CHANNEL, drumVoice, gmFamily, voiceRecipe, type DrumVoice, type GmFamily, type TrackNote } from './gm';
import { loadPiano } from './piano';

/** Synth voices sit below the sampled piano's level, so a mixed file keeps its balance. */
const SYNTH_VOLUME_DB = -14;
const DRUM_VOLUME_DB = -10;

export interface Voice {
  /** `time` is AudioContext time (always increasing), `duration` seconds, `velocity` 0..1. */
  play(note: TrackNote, time: number): void;
}

const melodic = new Map<GmFamily, Voice>();
const drums = new Map<DrumVoice, Voice>();

function synthVoice(family: GmFamily): Voice {
  const r = voiceRecipe(family);
  if (r.engine === 'piano') throw new Error('the piano is the sampler');
  const common = { oscillator: { type: r.oscillator }, envelope: r.envelope, volume: SYNTH_VOLUME_DB };
  const poly =
    r.engine === 'fm'
      ? new Tone.PolySynth(Tone.FMSynth, { ...common, harmonicity: r.harmonicity ?? 1, modulationIndex: r.modulationIndex ?? 2 } as never)
      : r.engine === 'am'
        ? new Tone.PolySynth(Tone.AMSynth, { ...common, harmonicity: r.harmonicity ?? 1 } as never)
        : new Tone.PolySynth(Tone.Synth, common as never);
  poly.maxPolyphony = 48;
  poly.toDestination();
  return { play: (n, time) => poly.triggerAttackRelease(Tone.Frequency(n.midi, 'midi').toFrequency(), Math.max(0.05, n.duration), time, n.velocity) };
}

/** Tone's monophonic instruments refuse a start at or before their previous one; two hits of one
 *  drum voice at the same instant sound as one anyway, so the later is dropped. */
function monophonic(trigger: (n: TrackNote, time: number) => void): Voice {
  let last = -Infinity;
  return {
    play(n, time) {
      if (time <= last) return;
      last = time;
      trigger(n, time);
    },
  };
}

function drumKitVoice(kind: DrumVoice): Voice {
  const vol = { volume: DRUM_VOLUME_DB };
  switch (kind) {
    case 'kick': {
      const s = new Tone.MembraneSynth({ ...vol, pitchDecay: 0.05, octaves: 6, envelope: { attack: 0.001, decay: 0.4, sustain: 0, release: 0.1 } }).toDestination();
      return monophonic((n, t) => s.triggerAttackRelease(45, 0.2, t, n.velocity));
    }
    case 'tom': {
      const s = new Tone.MembraneSynth({ ...vol, pitchDecay: 0.03, octaves: 2, envelope: { attack: 0.001, decay: 0.3, sustain: 0, release: 0.1 } }).toDestination();
      // low floor tom (41) up to high tom (50): an octave and a half, from the key itself
      return monophonic((n, t) => s.triggerAttackRelease(Tone.Frequency(n.midi + 5, 'midi').toFrequency(), 0.2, t, n.velocity));
    }
    case 'snare':
    case 'clap': {
      const s = new Tone.NoiseSynth({ ...vol, noise: { type: kind === 'snare' ? 'white' : 'pink' }, envelope: { attack: 0.001, decay: kind === 'snare' ? 0.18 : 0.1, sustain: 0 } }).toDestination();
      return monophonic((n, t) => s.triggerAttackRelease(0.12, t, n.velocity));
    }
    case 'closed hat':
    case 'open hat':
    case 'cymbal': {
      const decay = kind === 'closed hat' ? 0.05 : kind === 'open hat' ? 0.35 : 1.2;
      const s = new Tone.MetalSynth({ volume: DRUM_VOLUME_DB - 8, envelope: { attack: 0.001, decay, release: 0.05 }, harmonicity: 5.1, modulationIndex: 32, resonance: 4000, octaves: 1.5 }).toDestination();
      return monophonic((n, t) => s.triggerAttackRelease(kind === 'cymbal' ? 250 : 400, decay, t, n.velocity));
    }
    default: {
      const s = new Tone.MembraneSynth({ ...vol, pitchDecay: 0.01, octaves: 1, envelope: { attack: 0.001, decay: 0.08, sustain: 0, release: 0.05 } }).toDestination();
      return monophonic((n, t) => s.triggerAttackRelease(Tone.Frequency(n.midi, 'midi').toFrequency(), 0.08, t, n.velocity));
    }
  }
}

/** Every voice the given notes need, ready to play (awaits the piano samples only when a piano plays). */
export async function voicesFor(notes: readonly TrackNote[]): Promise<(n: TrackNote) => Voice> {
  const needsPiano = notes.some((n) => n.channel !== DRUM_CHANNEL && gmFamily(n.program) === 'piano');
  const piano = needsPiano ? await loadPiano() : null;
  const pianoVoice: Voice | null = piano && {
    play: (n, time) => piano.triggerAttackRelease(Tone.Frequency(n.midi, 'midi').toFrequency(), Math.max(0.05, n.duration), time, n.velocity),
  };
  return (n) => {
    if (n.channel === DRUM_CHANNEL) {
      const kind = drumVoice(n.midi);
      if (!drums.has(kind)) drums.set(kind, drumKitVoice(kind));
      return drums.get(kind)!;
    }
    const family = gmFamily(n.program);
    if (family === 'piano') return pianoVoice!;
    if (!melodic.has(family)) melodic.set(family, synthVoice(family));
    return melodic.get(family)!;
  };
}
