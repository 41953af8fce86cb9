// Where a generated sample's prompt ends, read from its provenance, and who scores it by default.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseMidi } from '../../../../src-main/formats/preview/midi';
import { defaultScorer, isPromptNote, promptEndSeconds, promptLength } from '../../../../src-renderer/viewers/prompt';

describe('prompt provenance', () => {
  it('reads the prompt length as the studio and the command line record it', () => {
    expect(promptLength({ prompt: { file: 'a.abc', bytes: 120 } })).toBe(120);
    expect(promptLength({ prompt: 'a.abc', promptBytes: 64 })).toBe(64);
    expect(promptLength({ prompt: null })).toBeNull();
    expect(promptLength({})).toBeNull();
    expect(promptLength(null)).toBeNull();
    expect(promptLength({ prompt: { bytes: -3 } })).toBeNull();
    expect(promptLength({ prompt: { bytes: '12' } })).toBeNull();
    expect(promptLength({ prompt: { bytes: 500 } }, 200)).toBe(200); // never past the file (a repaired sample may be shorter)
  });

  it('defaults surprisal to the run, else the model, that made the sample', () => {
    const runs = ['run-a', 'run-b'];
    const models = ['mdl_x'];
    expect(defaultScorer({ runId: 'run-b', params: { checkpoint: 'run-b' } }, runs, models)).toBe('run-b');
    expect(defaultScorer({ runId: null, params: { checkpoint: 'mdl_x' } }, runs, models)).toBe('mdl_x');
    expect(defaultScorer({ runId: 'run-gone', params: { checkpoint: 'run-gone' } }, runs, models)).toBe(''); // deleted run: no default
    expect(defaultScorer({ runId: null, params: { checkpoint: '/path/to/best' } }, runs, models)).toBe('');
    expect(defaultScorer(null, runs, models)).toBe('');
  });

  it('finds how far into a MIDI file the prompt reaches', () => {
    const bytes = new Uint8Array(readFileSync('tests/fixtures/viewers/scale.mid'));
    const view = parseMidi(bytes);
    const melody = view.tracks.find((t) => t.name === 'Melody')!.notes;
    const bass = view.tracks.find((t) => t.name === 'Bass')!.notes;
    // a prompt cut inside the 4th melody note-on: three melody notes are prompt, the bass (stored later) is not
    const cut = melody[3].on.end - 1;
    expect(promptEndSeconds(view, cut)).toBeCloseTo(melody[2].time + melody[2].duration, 6);
    expect(isPromptNote(melody[2], cut)).toBe(true);
    expect(isPromptNote(melody[3], cut)).toBe(false);
    expect(isPromptNote(bass[0], cut)).toBe(false);
    expect(isPromptNote(bass[0], null)).toBe(false);
    // the melody and the first two bass notes: the melody's last note starts latest
    expect(promptEndSeconds(view, bass[1].on.end)).toBeCloseTo(melody[7].time + melody[7].duration, 6);
    expect(promptEndSeconds(view, bytes.length)).toBeCloseTo(view.durationSeconds, 6);
    expect(promptEndSeconds(view, 10)).toBe(0); // only the header: no note came from the prompt
  });
});
