// Web Audio playback of decoded WAV samples (play, pause, seek), with the position as reactive state.
// Samples come from the view model rather than decodeAudioData, so truncated files still play.
import type { WavView } from '../../src-main/formats/preview/wav';

export class WavPlayer {
  playing = $state(false);
  /** Seconds into the file. */
  position = $state(0);
  private ctx: AudioContext | null = null;
  private source: AudioBufferSourceNode | null = null;
  private buffer: AudioBuffer | null = null;
  private startedAt = 0;
  private offset = 0;
  private frame = 0;

  constructor(private readonly view: WavView) {}

  get duration(): number {
    return this.view.durationSeconds;
  }

  private audioBuffer(ctx: AudioContext): AudioBuffer {
    if (!this.buffer) {
      this.buffer = ctx.createBuffer(1, Math.max(1, this.view.frames), this.view.sampleRate);
      this.buffer.copyToChannel(this.view.samples as Float32Array<ArrayBuffer>, 0);
    }
    return this.buffer;
  }

  async play(): Promise<void> {
    if (this.playing || !this.view.frames) return;
    this.ctx ??= new AudioContext();
    await this.ctx.resume();
    const source = this.ctx.createBufferSource();
    source.buffer = this.audioBuffer(this.ctx);
    source.connect(this.ctx.destination);
    if (this.offset >= this.duration) this.offset = 0;
    source.start(0, this.offset);
    source.onended = () => this.source === source && this.halt(this.duration);
    this.source = source;
    this.startedAt = this.ctx.currentTime - this.offset;
    this.playing = true;
    this.tick();
  }

  pause(): void {
    if (this.playing && this.ctx) this.halt(this.ctx.currentTime - this.startedAt);
  }

  seek(seconds: number): void {
    const wasPlaying = this.playing;
    this.halt(Math.min(Math.max(0, seconds), this.duration));
    if (wasPlaying) void this.play();
  }

  dispose(): void {
    this.halt(0);
    void this.ctx?.close();
    this.ctx = null;
  }

  private halt(at: number): void {
    const source = this.source;
    this.source = null;
    source?.stop();
    cancelAnimationFrame(this.frame);
    this.playing = false;
    this.offset = at;
    this.position = at;
  }

  private tick = (): void => {
    if (!this.playing || !this.ctx) return;
    this.position = Math.min(this.duration, this.ctx.currentTime - this.startedAt);
    this.frame = requestAnimationFrame(this.tick);
  };
}
