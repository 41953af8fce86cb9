// Where a generated sample's prompt ends (docs/walkthrough.md): the length recorded in its provenance
// (params.prompt.bytes since the studio records {file, bytes}; params.promptBytes from older rows and
// the command line), the surprisal default (the run or model that made it), and how far into the
// piece the prompt reaches in the piano roll.
import type { MidiView } from '../../src-main/formats/preview/midi';

/** Prompt length in bytes from a sample's params, or null when it had no prompt (or a broken record). */
export function promptLength(params: Record<string, unknown> | null | undefined, size = Infinity): number | null {
  if (!params) return null;
  const p = params.prompt;
  const raw = p && typeof p === 'object' ? (p as { bytes?: unknown }).bytes : params.promptBytes;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw <= 0) return null;
  return Math.min(raw, size);
}

/** The run or model to score a sample under by default: the one that made it, when it can still score. */
export function defaultScorer(
  sample: { runId: string | null; params: Record<string, unknown> } | null | undefined,
  runIds: readonly string[],
  modelIds: readonly string[],
): string {
  if (!sample) return '';
  if (sample.runId && runIds.includes(sample.runId)) return sample.runId;
  // The model that made it (params.modelId; rows from before it was recorded kept the id in params.checkpoint).
  const cp = sample.params.modelId ?? sample.params.checkpoint;
  if (typeof cp === 'string' && (runIds.includes(cp) || modelIds.includes(cp))) return cp;
  return '';
}

/** Seconds into the piece the prompt reaches: the end of the latest-starting note whose note-on event
 *  lies wholly inside the prompt (0 when none does). In a multi-track file the tracks are stored one
 *  after another, so a later track may be generated from its start; its notes are then not prompt. */
export function promptEndSeconds(view: MidiView, promptBytes: number): number {
  let last: { time: number; end: number } | null = null;
  for (const t of view.tracks) {
    for (const n of t.notes) if (n.on.end <= promptBytes && (!last || n.time >= last.time)) last = { time: n.time, end: n.time + n.duration };
  }
  return last ? Math.min(last.end, view.durationSeconds) : 0;
}

/** Whether a note was read from the prompt (its note-on event lies inside it). */
export function isPromptNote(note: { on: { end: number } }, promptBytes: number | null): boolean {
  return promptBytes !== null && note.on.end <= promptBytes;
}
