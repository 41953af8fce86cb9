// ABC → MIDI with abcjs (the studio's ABC library): a tune book gives one MIDI file per tune,
// as bGPT §4.1 pairs each ABC tune with its MIDI rendering for abc->mid conversion.
// abcjs.synth.getMidiFile with midiOutputType 'binary' needs no DOM or audio context.
import abcjs from 'abcjs';
import { ABCJS_LIMITS, abcjsRefusal } from '../abc';
import { readTuneBook } from '../abc-book';

export interface ConvertedTune {
  /** The tune's T: title, or 'tune N'. */
  title: string;
  /** The tune's own ABC text, cut from its book and cleaned (formats/abc-book.ts). */
  abc: string;
  midi: Uint8Array;
}

/** A book with more tunes than this is not converted: each tune costs abcjs about a millisecond. */
export const MAX_TUNES_PER_BOOK = 5_000;

/** Splits a tune book (the tunes it can take) and renders each tune to a Standard MIDI File. */
export function abcToMidi(text: string): ConvertedTune[] {
  const { tunes } = readTuneBook(text);
  if (tunes.length > MAX_TUNES_PER_BOOK) throw new Error(`${tunes.length} tunes, more than the ${MAX_TUNES_PER_BOOK} one book may hold for conversion`);
  return tunes.map(({ abc, title, index }) => {
    const refusal = abcjsRefusal(abc, { ...ABCJS_LIMITS, maxTunes: 1 });
    if (refusal) throw new Error(`tune ${index}: ${refusal}`);
    const files = abcjs.synth.getMidiFile(abc, { midiOutputType: 'binary' }) as Uint8Array[];
    if (!Array.isArray(files) || !(files[0] instanceof Uint8Array)) throw new Error(`abcjs gave no MIDI for tune ${index}`);
    return { title: title || `tune ${index}`, abc, midi: files[0] };
  });
}
