// ABC → MIDI with abcjs (the studio's ABC library): a tune book gives one MIDI file per tune,
// as bGPT §4.1 pairs each ABC tune with its MIDI rendering for abc->mid conversion.
// abcjs.synth.getMidiFile with midiOutputType 'binary' needs no DOM or audio context.
import abcjs from 'abcjs';
import { readTuneBook } from '../abc-book';

export interface ConvertedTune {
  /** The tune's T: title, or 'tune N'. */
  title: string;
  /** The tune's own ABC text, cut from its book and cleaned (formats/abc-book.ts). */
  abc: string;
  midi: Uint8Array;
}

/** Splits a tune book (the tunes it can take) and renders each tune to a Standard MIDI File. */
export function abcToMidi(text: string): ConvertedTune[] {
  return readTuneBook(text).tunes.map(({ abc, title, index }) => {
    const files = abcjs.synth.getMidiFile(abc, { midiOutputType: 'binary' }) as Uint8Array[];
    if (!Array.isArray(files) || !(files[0] instanceof Uint8Array)) throw new Error(`abcjs gave no MIDI for tune ${index}`);
    return { title: title || `tune ${index}`, abc, midi: files[0] };
  });
}
