// The piano-roll's key ruler (issue 24 item 10, as a DAW's MIDI editor shows one): note names by MIDI
// key (scientific pitch: middle C, key 60, is C4) and which keys are black.

const NAMES = ['C', 'C♯', 'D', 'D♯', 'E', 'F', 'F♯', 'G', 'G♯', 'A', 'A♯', 'B'];
const BLACK = new Set([1, 3, 6, 8, 10]);

/** "C4" for 60, "A4" for 69, "F♯3" for 54. */
export function noteName(midi: number): string {
  return `${NAMES[((midi % 12) + 12) % 12]}${Math.floor(midi / 12) - 1}`;
}

export function isBlackKey(midi: number): boolean {
  return BLACK.has(((midi % 12) + 12) % 12);
}

/** "m:ss.s" for a position in seconds. */
export function clockTime(seconds: number): string {
  const s = Math.max(0, seconds);
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`;
}
