// The MIDI grammar (formats/constraints-midi.ts) on real files and real sampling: every built-in
// MIDI tune (abcjs output) passes it byte for byte; whatever a model picks among the bytes it allows,
// the file is structurally valid (formats/midi.ts) once the grammar writes the track lengths, and it
// ends within the budget; the parity checkpoint tiny-a, sampling .mid through the engine, gives only
// valid files that end before the window.
import { describe, it, expect, beforeAll } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { MidiConstraint, MAX_TRACKS } from '../../../src-main/formats/constraints-midi';
import { midiStructure, validateMidi } from '../../../src-main/formats/midi';
import { mulberry32 } from '../../../src-main/formats/prng';
import { InferenceModel } from '../../../src-main/engine/infer/model';
import { generate } from '../../../src-main/engine/infer/generate';
import { tinyA } from '../engine/infer/helpers';

const MIDI_TUNES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../datasets/midi-tunes');

/** Index of the first byte the grammar refuses (the end mark 256 after the file), or -1. */
function firstRefused(c: MidiConstraint, bytes: Uint8Array): number {
  const seq = [...bytes, 256];
  for (const [i, b] of seq.entries()) {
    if (!c.allows(b)) return i;
    c.push(b);
  }
  return -1;
}

/** A random walk through what the grammar allows, as a model that knows nothing would take it. */
function walk(seed: number, budget: number, endBias = 0.5): { bytes: Uint8Array; c: MidiConstraint; stuck: boolean } {
  const rng = mulberry32(seed);
  const c = new MidiConstraint({ budget });
  const out: number[] = [];
  for (;;) {
    const allowed: number[] = [];
    for (let b = 0; b <= 256; b++) if (c.allows(b)) allowed.push(b);
    if (allowed.length === 0) return { bytes: Uint8Array.from(out), c, stuck: true };
    const b = allowed.includes(256) && rng.next() < endBias ? 256 : allowed[Math.floor(rng.next() * allowed.length)];
    if (b === 256) return { bytes: Uint8Array.from(out), c, stuck: false };
    out.push(b);
    c.push(b);
  }
}

describe('MIDI grammar', () => {
  it('accepts every built-in MIDI tune whole, in its own budget', () => {
    let files = 0;
    for (const split of ['train', 'eval']) {
      for (const name of readdirSync(path.join(MIDI_TUNES, split))) {
        const bytes = new Uint8Array(readFileSync(path.join(MIDI_TUNES, split, name)));
        expect(firstRefused(new MidiConstraint({ budget: bytes.length }), bytes), name).toBe(-1);
        files++;
      }
    }
    expect(files).toBeGreaterThan(250); // 25 tunes in up to twelve keys
  });

  it('makes any path through it a valid file within the budget, track lengths written at the end', () => {
    let notes = 0;
    let lengthsFixed = 0;
    for (let seed = 0; seed < 120; seed++) {
      const budget = 40 + seed * 8;
      const { bytes, c, stuck } = walk(seed, budget);
      expect(stuck, `seed ${seed}`).toBe(false);
      expect(bytes.length).toBeLessThanOrEqual(budget);
      const fixed = c.finish(bytes);
      lengthsFixed += fixed.repairs;
      const s = midiStructure(fixed.bytes);
      expect(s.verdict, `seed ${seed}`).toEqual({ verdict: 'valid' });
      expect(s.tracks).toBeGreaterThanOrEqual(1);
      expect(s.tracks).toBeLessThanOrEqual(MAX_TRACKS);
      notes += s.notes;
    }
    expect(notes).toBeGreaterThan(0);
    expect(lengthsFixed).toBeGreaterThan(0); // random length bytes are almost never right
  });

  it('refuses what breaks the structure: a wrong magic, a note-off with nothing sounding, the end of a track while a note sounds', () => {
    const c = new MidiConstraint();
    expect(c.allows(0x4d)).toBe(true);
    expect(c.allows(0x00)).toBe(false);
    expect(c.allows(256)).toBe(false);
    const head = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 1, 0, 1, 0x01, 0xe0, 0x4d, 0x54, 0x72, 0x6b, 0, 0, 0, 0];
    for (const b of head) c.push(b);
    c.push(0x00); // delta
    expect(c.allows(0x80)).toBe(false); // nothing sounds on channel 1
    expect(c.allows(0xf0)).toBe(false); // no system exclusive
    expect(c.allows(0x40)).toBe(false); // no running status yet
    for (const b of [0x90, 0x3c, 0x40, 0x60]) c.push(b); // note-on C4, delta 0x60
    expect(c.allows(0xff)).toBe(true);
    c.push(0xff);
    expect(c.allows(0x2f)).toBe(false); // C4 still sounds
    expect(c.allows(0x51)).toBe(true);
  });

  it('keeps a prompt it cannot read as it is and stops judging', () => {
    const c = new MidiConstraint();
    c.push(0x41);
    expect(c.allows(0x00)).toBe(true);
    expect(c.relax()).toBe(false);
  });
});

describe('sampling .mid with the grammar (tiny-a parity checkpoint)', () => {
  let model: InferenceModel;
  beforeAll(async () => {
    const { config, tensors } = await tinyA();
    model = new InferenceModel(config, tensors, 'tiny-a');
  });

  it('gives structurally valid files that end before the window, the lengths counted as repairs', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const r = await generate(model, { ext: 'mid', seed, topP: 1, temperature: 1 });
      expect(r.constrained).toBe(true);
      expect(r.stoppedBy, `seed ${seed}`).toBe('end');
      expect(validateMidi(r.bytes), `seed ${seed}`).toEqual({ verdict: 'valid' });
      expect(r.bytes.length).toBeLessThan((model.config.patchLength - 1) * model.config.patchSize);
    }
    const free = await generate(model, { ext: 'mid', seed: 1, constrain: false, maxBytes: 200 });
    expect(validateMidi(free.bytes).verdict).toBe('invalid');
  });
});
