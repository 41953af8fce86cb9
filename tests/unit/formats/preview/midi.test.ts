import { describe, it, expect } from 'vitest';
import toneMidi from '@tonejs/midi';
import { readFileSync } from 'node:fs';
import { parseMidi, playbackNotes, playbackTrackOrigins } from '../../../../src-main/formats/preview/midi';
import { fixture } from './fixtures';

describe('parseMidi', () => {
  const bytes = fixture('scale.mid');
  const view = parseMidi(bytes);

  it('matches @tonejs/midi on tracks, keys, times and durations', () => {
    const ref = new toneMidi.Midi(bytes);
    expect(view.issues).toEqual([]);
    expect(view.ppq).toBe(ref.header.ppq);
    expect(view.bpm).toBeCloseTo(100, 6);
    const withNotes = view.tracks.filter((t) => t.notes.length);
    const refTracks = ref.tracks.filter((t) => t.notes.length);
    expect(withNotes.map((t) => t.name)).toEqual(['Melody', 'Bass']);
    withNotes.forEach((track, i) => {
      expect(track.notes.map((n) => n.midi)).toEqual(refTracks[i].notes.map((n) => n.midi));
      track.notes.forEach((n, j) => {
        expect(n.time).toBeCloseTo(refTracks[i].notes[j].time, 6);
        expect(n.duration).toBeCloseTo(refTracks[i].notes[j].duration, 6);
        expect(n.velocity).toBeCloseTo(refTracks[i].notes[j].velocity, 2);
      });
    });
    expect(view.noteCount).toBe(12);
    expect(view.durationSeconds).toBeCloseTo(2.35, 2);
  });

  it('gives each note the bytes of its note-on and note-off events', () => {
    for (const note of view.tracks.flatMap((t) => t.notes)) {
      const status = bytes[note.on.end - 3];
      expect(status >> 4).toBe(0x9);
      expect(bytes[note.on.end - 2]).toBe(note.midi);
      expect(note.off).not.toBeNull();
      expect(bytes[note.off!.end - 2]).toBe(note.midi);
      expect(note.on.end).toBeLessThanOrEqual(note.off!.start);
    }
  });

  it('keeps the notes before a truncation and says where it stopped', () => {
    const cut = parseMidi(bytes.subarray(0, bytes.length - 30));
    expect(cut.noteCount).toBeGreaterThan(0);
    expect(cut.noteCount).toBeLessThan(12);
    expect(cut.issues.map((i) => i.message).join('\n')).toMatch(/claims \d+ bytes but the file ends/);
  });

  it('reports a corrupt event byte with its offset and keeps the events before it', () => {
    const bad = bytes.slice();
    const track = parseMidi(bytes).tracks[1];
    const third = track.notes[2].on.start;
    bad[third + 1] = 0xf4; // an undefined system-common status inside a track
    const view2 = parseMidi(bad);
    expect(view2.tracks[1].notes.length).toBe(2);
    expect(view2.issues[0].message).toMatch(/track 1: status 0xf4 is not allowed in a file; kept \d+ events/);
    expect(view2.issues[0].offset).toBe(third + 1);
  });

  it('plays what @tonejs/midi reads, falling back to the tolerant reader when it refuses the file', () => {
    const played = playbackNotes(bytes, view);
    expect(played.source).toBe('@tonejs/midi');
    expect(played.notes.length).toBe(12);
    const bad = bytes.slice();
    bad[view.tracks[1].notes[2].on.start + 1] = 0xf4; // @tonejs/midi throws on this status byte
    const fallback = playbackNotes(bad, parseMidi(bad));
    expect(fallback.source).toBe('tolerant');
    expect(fallback.notes.map((n) => n.midi)).toEqual([60, 62, 36, 43, 41, 36]); // melody up to the bad byte, all of the bass
  });

  it('maps each playback track to the file track its notes come from (the mixer takes the roll colours)', () => {
    // A real format-1 tune: a conductor track and three of notes; @tonejs/midi drops and splits tracks.
    const tune = new Uint8Array(readFileSync('datasets/tunes/train/coleraine.mid'));
    const fileView = parseMidi(tune);
    const played = playbackNotes(tune, fileView);
    const origins = playbackTrackOrigins(played.notes, played.tracks.length, fileView);
    const withNotes = played.tracks.map((t, i) => (t.noteCount ? origins[i] : -1)).filter((o) => o >= 0);
    expect(withNotes).toEqual(fileView.tracks.filter((t) => t.notes.length).map((t) => t.index));
    for (const [i, t] of played.tracks.entries()) if (!t.noteCount) expect(origins[i]).toBe(i);
  });

  it('handles a track of 150 000 notes (no argument spreading) and a chunk that ends after a delta time', () => {
    const NOTES = 150_000;
    const body = new Uint8Array(NOTES * 7 + 1);
    for (let i = 0; i < NOTES; i++) body.set([0, 0x90, 60, 100, 10, 60, 0], i * 7); // on, then off via velocity 0 (running status)
    body[NOTES * 7] = 0x05; // a delta time with no event after it: malformed
    const head = Uint8Array.from([0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xe0, 0x4d, 0x54, 0x72, 0x6b]);
    const len = Uint8Array.from([body.length >>> 24, (body.length >> 16) & 255, (body.length >> 8) & 255, body.length & 255]);
    const big = parseMidi(Uint8Array.from([...head, ...len, ...body]));
    expect(big.noteCount).toBe(NOTES);
    expect(big.durationSeconds).toBeCloseTo((NOTES * 10) / 480 / 2, 3); // 120 BPM: 960 ticks a second
    expect(big.issues[0].message).toMatch(/track 0: event runs past the end of its chunk/);
  });

  it('rejects bytes that are not MIDI with a reason', () => {
    const view2 = parseMidi(new TextEncoder().encode('hello'));
    expect(view2.tracks).toEqual([]);
    expect(view2.issues[0].message).toMatch(/MThd/);
  });
});
