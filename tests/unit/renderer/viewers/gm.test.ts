// The pure part of MIDI playback: GM program → family → voice recipe, the channel-10 drum map,
// mute/solo and the tempo scaling of the schedule (the Tone.js side is exercised in real Chromium).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseMidi, playbackNotes } from '../../../../src-main/formats/preview/midi';
import {
  GM_FAMILIES, DRUM_CHANNEL, audibleTracks, buildSchedule, clampRate, drumVoice, gmFamily, voiceLabel, voiceRecipe, type TrackNote,
} from '../../../../src-renderer/viewers/gm';

const note = (track: number, time: number, duration = 0.5, midi = 60): TrackNote => ({ midi, time, duration, velocity: 0.8, track, channel: track, program: 0 });

describe('General MIDI voices', () => {
  it('maps programs to their family in blocks of eight, clamping damaged numbers', () => {
    expect(GM_FAMILIES).toHaveLength(16);
    expect([0, 7, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 127].map(gmFamily)).toEqual([
      'piano', 'piano', 'chromatic percussion', 'organ', 'guitar', 'bass', 'strings', 'ensemble', 'brass',
      'reed', 'pipe', 'synth lead', 'synth pad', 'synth effects', 'ethnic', 'percussive', 'sound effects', 'sound effects',
    ]);
    expect(gmFamily(-3)).toBe('piano');
    expect(gmFamily(300)).toBe('sound effects');
    expect(gmFamily(Number.NaN)).toBe('piano');
  });

  it('plays pianos on the sampler and every other family on a synth with its own envelope', () => {
    expect(voiceRecipe('piano')).toEqual({ engine: 'piano' });
    const others = GM_FAMILIES.filter((f) => f !== 'piano').map(voiceRecipe);
    for (const r of others) expect(['synth', 'fm', 'am']).toContain(r.engine);
    const organ = voiceRecipe('organ');
    const pad = voiceRecipe('synth pad');
    const guitar = voiceRecipe('guitar');
    if (organ.engine === 'piano' || pad.engine === 'piano' || guitar.engine === 'piano') throw new Error('unreachable');
    expect(pad.envelope.attack).toBeGreaterThan(organ.envelope.attack); // a pad swells, an organ speaks at once
    expect(guitar.envelope.sustain).toBeLessThan(organ.envelope.sustain); // a plucked string dies away
  });

  it('maps GM percussion keys to drum voices', () => {
    expect(DRUM_CHANNEL).toBe(9);
    expect([35, 36, 38, 40, 39, 42, 44, 46, 49, 51, 57, 41, 50, 76].map(drumVoice)).toEqual([
      'kick', 'kick', 'snare', 'snare', 'clap', 'closed hat', 'closed hat', 'open hat', 'cymbal', 'cymbal', 'cymbal', 'tom', 'tom', 'perc',
    ]);
    expect(voiceLabel(9, 0)).toBe('drum kit');
    expect(voiceLabel(0, 0)).toBe('piano (sampled)');
    expect(voiceLabel(1, 33)).toBe('bass (synth)');
  });
});

describe('mute, solo and tempo', () => {
  it('mutes tracks, and a solo silences every track not soloed', () => {
    expect([...audibleTracks(3, new Set(), new Set())]).toEqual([0, 1, 2]);
    expect([...audibleTracks(3, new Set([1]), new Set())]).toEqual([0, 2]);
    expect([...audibleTracks(3, new Set([1]), new Set([2]))]).toEqual([2]);
    expect([...audibleTracks(3, new Set([2]), new Set([2, 0]))]).toEqual([0, 2]); // solo wins over mute
  });

  it('schedules only audible notes, times and durations divided by the rate', () => {
    const notes = [note(0, 0), note(1, 1), note(0, 2, 1)];
    expect(buildSchedule(notes, new Set([0, 1]), 1).map((n) => n.time)).toEqual([0, 1, 2]);
    const fast = buildSchedule(notes, new Set([0]), 2);
    expect(fast.map((n) => [n.time, n.duration])).toEqual([[0, 0.25], [1, 0.5]]);
    expect(buildSchedule(notes, new Set([0, 1]), 0.5).map((n) => n.time)).toEqual([0, 2, 4]);
    expect(notes[2].time).toBe(2); // the input is not changed
    expect([clampRate(0.1), clampRate(5), clampRate(Number.NaN), clampRate(1.25)]).toEqual([0.5, 2, 1, 1.25]);
  });

  it('gets track, channel and program of each note from the file', () => {
    const bytes = new Uint8Array(readFileSync('tests/fixtures/viewers/scale.mid'));
    const played = playbackNotes(bytes, parseMidi(bytes));
    expect(played.tracks.map((t) => [t.name, t.noteCount])).toEqual([['Melody', 8], ['Bass', 4]]);
    expect(played.notes.filter((n) => n.track === 1)).toHaveLength(4);
    expect(new Set(played.notes.filter((n) => n.track === 1).map((n) => n.channel))).toEqual(new Set([played.tracks[1].channel]));
    expect(buildSchedule(played.notes, audibleTracks(2, new Set([1]), new Set()), 1)).toHaveLength(8);
  });
});
