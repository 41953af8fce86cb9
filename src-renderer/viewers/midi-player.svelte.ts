// Plays a MIDI view model through Tone.js: a Tone.Part on the shared transport triggers each note's
// voice (GM family synth, drum kit on channel 10, the offline piano — see voices.ts) at its time
// (seconds from the file's own tempo map ÷ the playback rate), with play, pause, seek, per-track
// mute/solo, tempo and loop. The pure schedule maths is gm.ts.
import * as Tone from 'tone';
import type { PlayableNote } from '../../src-main/formats/preview/midi';
import { audibleTracks, buildSchedule, clampRate } from './gm';
import { voicesFor, type Voice } from './voices';
import { nextFrame } from './frames';

export type TransportState = 'loading' | 'stopped' | 'started' | 'paused' | 'error';

/** The voices' release tail, so the end-of-piece stop does not cut the last chord. */
const TAIL_SECONDS = 1;

/** Tone.js has one transport: the player that last pressed play owns it, and any other one stops. */
let owner: MidiPlayer | null = null;

export class MidiPlayer {
  state: TransportState = $state('stopped');
  /** Playback position in the file's own seconds (not scaled by the rate). */
  position = $state(0);
  /** Notes handed to the transport (0 until the first play). */
  scheduled = $state(0);
  /** Transport seconds at which the last scheduled note ends (0 until the first play), for tests. */
  scheduledEnd = $state(0);
  error: string | null = $state(null);
  /** Track indices (into playbackNotes' tracks) muted and soloed. */
  muted: number[] = $state([]);
  soloed: number[] = $state([]);
  /** Playback rate: 1 is the file's tempo, 0.5..2. */
  rate = $state(1);
  loop = $state(false);
  private part: Tone.Part | null = null;
  private voice: ((n: PlayableNote) => Voice) | null = null;

  constructor(
    private readonly notes: PlayableNote[],
    readonly duration: number,
    private readonly trackCount = notes.reduce((m, n) => Math.max(m, n.track + 1), 0),
  ) {}

  /** Sounding now (the keyboard's Space toggles on it). */
  get playing(): boolean {
    return this.state === 'started';
  }

  async play(): Promise<void> {
    if (this.state === 'started' || this.state === 'loading') return;
    this.state = 'loading';
    if (owner && owner !== this) owner.dispose();
    owner = this;
    try {
      await Tone.start();
      this.voice ??= await voicesFor(this.notes);
      this.schedule();
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
    if (owner === this) Tone.getTransport().seconds = at / this.rate; // otherwise applied when this player next plays
    this.position = at;
  }

  toggleMute(track: number): void {
    this.muted = this.muted.includes(track) ? this.muted.filter((t) => t !== track) : [...this.muted, track];
    this.reschedule();
  }

  toggleSolo(track: number): void {
    this.soloed = this.soloed.includes(track) ? this.soloed.filter((t) => t !== track) : [...this.soloed, track];
    this.reschedule();
  }

  /** Whether a track sounds under the current mute/solo. */
  audible(track: number): boolean {
    return audibleTracks(this.trackCount, new Set(this.muted), new Set(this.soloed)).has(track);
  }

  setRate(rate: number): void {
    this.rate = clampRate(rate);
    this.reschedule();
  }

  setLoop(on: boolean): void {
    this.loop = on;
    if (owner === this) this.applyLoop();
  }

  dispose(): void {
    if (owner === this) owner = null;
    if (this.part) {
      const transport = Tone.getTransport();
      transport.stop();
      transport.cancel();
      transport.loop = false;
      this.part.dispose();
      this.part = null;
    }
    this.state = 'stopped';
  }

  /** After a mute, solo or tempo change: the Part is rebuilt from the current position, so the change
   *  is heard at once (a stopped player picks it up on its next play). */
  private reschedule(): void {
    if (!this.part || owner !== this) return;
    this.part.dispose();
    this.part = null;
    this.schedule();
  }

  private applyLoop(): void {
    const transport = Tone.getTransport();
    transport.loopStart = 0;
    transport.loopEnd = Math.max(0.05, this.duration / this.rate);
    transport.loop = this.loop;
  }

  /** Builds the Part; the transport is shared, so anything another viewer left on it goes. */
  private schedule(): void {
    if (this.part || !this.voice) return;
    const voice = this.voice;
    const transport = Tone.getTransport();
    transport.cancel();
    transport.seconds = this.position / this.rate;
    const events = buildSchedule(this.notes, audibleTracks(this.trackCount, new Set(this.muted), new Set(this.soloed)), this.rate);
    this.part = new Tone.Part((time, n: PlayableNote) => voice(n).play(n, time), events).start(0);
    this.applyLoop();
    // schedule (not scheduleOnce): it fires again on every pass after a rewind or a replay
    transport.schedule((time) => Tone.getDraw().schedule(() => this.finish(), time), this.duration / this.rate + TAIL_SECONDS);
    this.scheduled = events.length;
    this.scheduledEnd = events.reduce((end, n) => Math.max(end, n.time + n.duration), 0);
  }

  private finish(): void {
    Tone.getTransport().pause();
    this.seek(0);
    this.state = 'stopped';
  }

  private tick = async (): Promise<void> => {
    while (this.state === 'started') {
      this.position = Math.min(this.duration, Tone.getTransport().seconds * this.rate);
      await nextFrame();
    }
  };
}
