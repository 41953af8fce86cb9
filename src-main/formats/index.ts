// Formats the studio understands (docs/formats.md): detection, validation and repair, writers for the
// paper's WAV/BMP shapes, ABC tune books, and the toy CPU. Pure TypeScript: the renderer uses it too.
export type { Modality, Verdict } from './verdict';
export { detectModality, extensionOf } from './modality';
export { validate, expectedModality } from './validate';
export { validateMidi } from './midi';
export { validateWav, encodeWav8, PAPER_SAMPLE_RATE } from './wav';
export { validateBmp, encodeBmp24, decodeBmp, PAPER_IMAGE_SIZE, type RgbaImage } from './bmp';
export { validateAbc, splitTunes } from './abc';
export { validateText, decodeUtf8 } from './text';
export { mulberry32, shuffle, type Rng } from './prng';
