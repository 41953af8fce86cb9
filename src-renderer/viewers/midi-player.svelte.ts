// Plays a MIDI view model through Tone.js: a Tone.Part on the shared transport triggers the offline
// piano at each note's time (seconds from the file's own tempo map), with play, pause and seek.
import * as Tone from 'tone';
import type { PlayableNote } from '../../src-main/formats/preview/midi';
import { loadPiano } from './piano';
import { nextFrame } from './frames';

export type TransportState = 'loading' | 'stopped' | 'started' | 'paused' | 'error';

/** The sampler's release tail, so the end-of-piece stop does not cut the last chord. */
const TAIL_SECONDS = 1;

/** Tone.js has one transport: the player that last pressed play owns it, and any other one stops. */
let owner: MidiPlayer | null = null;

export class MidiPlayer {
  state: TransportState = $state('stopped');
  position = $state(0);
  /** Notes handed to the transport (0 until the first play). */
  scheduled = $state(0);
  error: string | null = $state(null);
  private part: Tone.Part | null = null;

  constructor(private readonly notes: PlayableNote[], readonly duration: number) {}

  async play(): Promise<void> {
    if (this.state === 'started' || this.state === 'loading') return;
    this.state = 'loading';
    if (owner && owner !== this) owner.dispose();
    owner = this;
    try {
      await Tone.start();
      const piano = await loadPiano();
      this.schedule(piano);
      Tone.getTransport().start();
      this.state = 'started';
      void this.tick();
    } catch (e) {
      this.error = `Playback failed: ${e instanceof Error ? e.message : String(e)}`;
      this.state = 'error';
    }
  }

  pause(): void {
    if (this.state !== 'started') return;
    Tone.getTransport().pause();
    this.state = 'paused';
  }

  seek(seconds: number): void {
    const at = Math.min(Math.max(0, seconds), this.duration);
    if (owner === this) Tone.getTransport().seconds = at; // otherwise applied when this player next plays
    this.position = at;
  }

  dispose(): void {
    if (owner === this) owner = null;
    if (this.part) {
      const transport = Tone.getTransport();
      transport.stop();
      transport.cancel();
      this.part.dispose();
      this.part = null;
    }
    this.state = 'stopped';
  }

  /** Builds the Part once; the transport is shared, so anything another viewer left on it goes. */
  private schedule(piano: Tone.Sampler): void {
    if (this.part) return;
    const transport = Tone.getTransport();
    transport.stop();
    transport.cancel();
    transport.seconds = this.position;
    const events = this.notes.map((n) => ({ time: n.time, midi: n.midi, duration: n.duration, velocity: n.velocity }));
    this.part = new Tone.Part((time, n) => {
      piano.triggerAttackRelease(Tone.Frequency(n.midi, 'midi').toFrequency(), Math.max(0.05, n.duration), time, n.velocity);
    }, events).start(0);
    // schedule (not scheduleOnce): it fires again on every pass after a rewind or a replay
    transport.schedule((time) => Tone.getDraw().schedule(() => this.finish(), time), this.duration + TAIL_SECONDS);
    this.scheduled = events.length;
  }

  private finish(): void {
    Tone.getTransport().pause();
    this.seek(0);
    this.state = 'stopped';
  }

  private tick = async (): Promise<void> => {
    while (this.state === 'started') {
      this.position = Math.min(this.duration, Tone.getTransport().seconds);
      await nextFrame();
    }
  };
}
