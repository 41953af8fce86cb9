// What a sample can be exported as besides its own bytes (docs/playback-and-prompts.md, "Export"): an
// ABC tune as MIDI for a DAW, a MIDI melody as ABC for a score editor. The conversions are the
// formats layer's (formats/convert/export.ts), the same the desktop drag uses.
import { abcSampleToMidi, midiSampleToAbc, type Conversion } from '../../src-main/formats/convert/export';

export type ExportTarget = 'mid' | 'abc';

/** The other format a sample of `ext` can be exported as, or null. */
export function alternateTarget(ext: string): ExportTarget | null {
  const e = ext.toLowerCase();
  return e === 'abc' ? 'mid' : e === 'mid' || e === 'midi' ? 'abc' : null;
}

/** `name` with its extension replaced by `to`. */
export function renamed(name: string, to: ExportTarget): string {
  return `${name.replace(/\.[^.]*$/, '')}.${to}`;
}

/** Converts a sample's bytes for export as `to`; the title names an ABC tune made from MIDI. */
export function convertForExport(bytes: Uint8Array, to: ExportTarget, title: string): Conversion {
  return to === 'mid' ? abcSampleToMidi(bytes) : midiSampleToAbc(bytes, title);
}
