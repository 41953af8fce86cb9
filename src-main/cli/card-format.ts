// A report card in words for the CLI's text output (`bgpt report`, `bgpt generate --count N`).
import type { ReportCard } from '../shared/contract';

const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 100)} %`);

/** The card in words: one line of rates, one per feature. */
export function formatCard(c: ReportCard): string {
  const v = c.valid;
  const lines = [
    `report card of ${c.checkpoint}${c.step !== null ? ` (step ${c.step})` : ''}: ${c.samples} .${c.ext} samples, ${pct(c.accepted)} accepted`,
    `valid: studio ${pct(v.verdict)}, abc2midi ${pct(v.abc2midi)}, bars matching the meter ${pct(v.barsMatching)}, every bar full ${pct(v.fullBars)}, with notes ${pct(v.withNotes)}; copies ${pct(c.copyRate)}`,
  ];
  if (c.closeness) {
    lines.push(`closeness to the training music (overlap area, 1 = as close as its own files; ${c.closeness.trainFiles} training files, ${c.closeness.sampleFiles} samples with notes):`);
    for (const f of c.closeness.features) lines.push(`  ${f.feature}: ${f.overlap === null ? 'n/a' : f.overlap.toFixed(2)}`);
  }
  return lines.join('\n');
}
