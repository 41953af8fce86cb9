// Converters that prepare data the way the paper did (bGPT §4.1): ABC → MIDI, audio → 8 kHz clips,
// images → 32×32 BMP, text → UTF-8.
export { abcToMidi, type ConvertedTune } from './abc-midi';
export { wavToClips, CLIP_SECONDS } from './audio';
export { imageKind, imageToBmp, resizeSquare } from './image';
export { textToUtf8 } from './text';
