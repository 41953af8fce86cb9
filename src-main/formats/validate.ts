// One entry point to judge a file (generated or imported): the extension names the format the file
// should have (a generated .mid must be MIDI even if its magic is broken); else the magic decides.
import { traceError } from './cpu/validate';
import { validateAbc } from './abc';
import { validateBmp } from './bmp';
import { validateMidi } from './midi';
import { detectModality, extensionOf } from './modality';
import { validateText } from './text';
import { validateWav } from './wav';
import { invalid, valid, type Modality, type Verdict } from './verdict';
import { CPU_EXTENSION } from './cpu/file';

const MODALITY_BY_EXTENSION: Record<string, Modality> = {
  mid: 'midi', midi: 'midi', abc: 'abc', wav: 'wav', bmp: 'bmp', txt: 'text', [CPU_EXTENSION]: 'cpu',
};

function validateCpu(bytes: Uint8Array): Verdict {
  const error = traceError(bytes);
  return error ? invalid(error) : valid();
}

const VALIDATORS: Record<Modality, (bytes: Uint8Array) => Verdict> = {
  midi: validateMidi,
  wav: validateWav,
  bmp: validateBmp,
  abc: validateAbc,
  text: validateText,
  cpu: validateCpu,
  binary: valid,
};

/** The modality a file of this extension must have, else what its bytes show. */
export function expectedModality(bytes: Uint8Array, ext: string): Modality {
  return MODALITY_BY_EXTENSION[extensionOf(ext)] ?? detectModality(bytes, ext);
}

/** Judges `bytes` as a file with extension `ext`: valid, repaired (with the fixed bytes), or invalid. */
export function validate(bytes: Uint8Array, ext: string): Verdict {
  if (bytes.length === 0) return invalid('the file is empty');
  return VALIDATORS[expectedModality(bytes, ext)](bytes);
}
