// ABC → MIDI with abcjs (the studio's ABC library): a tune book gives one MIDI file per tune,
// as bGPT §4.1 pairs each ABC tune with its MIDI rendering for abc->mid conversion.
// abcjs.synth.getMidiFile with midiOutputType 'binary' needs no DOM or audio context.
import abcjs from 'abcjs';
import { ABCJS_LIMITS, abcjsRefusal, splitTunes } from '../abc';

export interface ConvertedTune {
  /** The tune's T: title, or 'tune N'. */
  title: string;
  /** The tune's own ABC text (the book's file header, then the tune). */
  abc: string;
  midi: Uint8Array;
}

/** Splits a tune book and renders each tune to a Standard MIDI File. */
/** A book with more tunes than this is not converted: each tune costs abcjs about a millisecond. */
export const MAX_TUNES_PER_BOOK = 5_000;

export function abcToMidi(text: string): ConvertedTune[] {
  const { header, tunes } = splitTunes(text);
  if (tunes.length > MAX_TUNES_PER_BOOK) throw new Error(`${tunes.length} tunes, more than the ${MAX_TUNES_PER_BOOK} one book may hold for conversion`);
  return tunes.map(({ lines }, k) => {
    const abc = [...header, ...lines].join('\n').trim() + '\n';
    const refusal = abcjsRefusal(abc, { ...ABCJS_LIMITS, maxTunes: 1 });
    if (refusal) throw new Error(`tune ${k + 1}: ${refusal}`);
    const files = abcjs.synth.getMidiFile(abc, { midiOutputType: 'binary' }) as Uint8Array[];
    if (!Array.isArray(files) || !(files[0] instanceof Uint8Array)) throw new Error(`abcjs gave no MIDI for tune ${k + 1}`);
    const title = lines.find((l) => /^T:/.test(l))?.slice(2).trim() || `tune ${k + 1}`;
    return { title, abc, midi: files[0] };
  });
}
