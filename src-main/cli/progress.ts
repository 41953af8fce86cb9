// One progress reporter for every long `bgpt` command (train, import, download, generate): a redrawn
// bar on stderr when it is a terminal, plain throttled lines when it is not (logs, pipes, CI), so
// `--json` stdout is never touched (docs/cli.md: progress goes to stderr).
import { PACE_STEPS, secondsLeft } from '../shared/eta';

/** Where progress goes: process.stderr in the CLI, a capture in tests. */
export interface ProgressSink {
  write(text: string): void;
  /** True for a terminal: the bar is redrawn in place with \r. */
  isTTY?: boolean;
  /** Terminal width; the bar shrinks to fit. */
  columns?: number;
}

export interface ProgressOptions {
  /** What is being done, e.g. 'training', 'importing', 'downloading'. */
  label: string;
  /** Units of work in all (steps, files, bytes); undefined when unknown (then no bar, only a count). */
  total?: number;
  /** Unit name shown after the count ('steps', 'files'); 'bytes' is shown as KB/MB. */
  unit?: string;
  sink?: ProgressSink;
  /** Clock in ms (tests pass their own). */
  now?: () => number;
  /** Least time between two plain lines when not a TTY: often enough to see it move, not a flood. */
  lineEveryMs?: number;
}

export interface Progress {
  /** Work done so far (absolute), with an optional short note ('loss 2.31'). */
  update(done: number, note?: string): void;
  /** A message that must be seen (a warning, an eval result): printed on its own line above the bar. */
  log(message: string): void;
  /** Finishes the bar (a final line with the total) and frees the terminal line. */
  finish(note?: string): void;
}

/** Terminal redraws are limited to this rate: a redraw costs more than a training step on a tiny model. */
const TTY_REDRAW_MS = 100;
const DEFAULT_LINE_EVERY_MS = 2000;
const BAR_MAX = 30;
/** Pace is measured over the recent updates only, so the ETA follows the current speed (shared/eta.ts). */
const PACE_WINDOW = PACE_STEPS;

export function formatAmount(n: number, unit?: string): string {
  if (unit !== 'bytes') return `${Math.round(n)}${unit ? ' ' + unit : ''}`;
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Seconds left from the pace of the recent samples [time ms, done]; undefined until two samples. The
 * studio's ETA computation (shared/eta.ts); a command's time is running time (it cannot be paused).
 */
export function recentEta(samples: Array<[number, number]>, total: number): number | undefined {
  const points = samples.map(([t, done]) => ({ step: done, seconds: t / 1000 }));
  return secondsLeft(points, total, 0) ?? undefined;
}

export function createProgress(options: ProgressOptions): Progress {
  const sink: ProgressSink = options.sink ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = sink.isTTY === true;
  const lineEvery = options.lineEveryMs ?? DEFAULT_LINE_EVERY_MS;
  const { label, total, unit } = options;
  const samples: Array<[number, number]> = [];
  let lastDraw = -Infinity;
  let barShown = false;
  let done = 0;
  let note: string | undefined;
  let finished = false;

  function text(): { bar: string; line: string } {
    const amount = total !== undefined ? `${unit === 'bytes' ? formatAmount(done, unit) : Math.round(done)}/${formatAmount(total, unit)}` : formatAmount(done, unit);
    const pct = total ? ` ${Math.floor((100 * Math.min(done, total)) / total)}%` : '';
    const eta = total !== undefined ? recentEta(samples, total) : undefined;
    const tail = `${amount}${pct}${eta !== undefined && done < (total ?? 0) ? `, ${formatDuration(eta)} left` : ''}${note ? `, ${note}` : ''}`;
    let bar = '';
    if (total) {
      const width = Math.max(10, Math.min(BAR_MAX, (sink.columns ?? 80) - label.length - tail.length - 6));
      const filled = Math.round((width * Math.min(done, total)) / total);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `;
    }
    return { bar: `${label} ${bar}${tail}`, line: `${label}: ${tail}` };
  }

  function clearBar(): void {
    if (tty && barShown) sink.write('\r\x1b[2K');
    barShown = false;
  }

  function draw(force: boolean): void {
    const t = now();
    if (!force && t - lastDraw < (tty ? TTY_REDRAW_MS : lineEvery)) return;
    lastDraw = t;
    const { bar, line } = text();
    if (tty) {
      const width = sink.columns ?? 80;
      sink.write(`\r\x1b[2K${bar.length >= width ? bar.slice(0, width - 1) : bar}`);
      barShown = true;
    } else sink.write(line + '\n');
  }

  return {
    update(value, n) {
      if (finished) return;
      done = value;
      note = n;
      samples.push([now(), value]);
      if (samples.length > PACE_WINDOW) samples.shift();
      // The first update is drawn at once so a slow first step still shows that work has begun.
      draw(samples.length === 1);
    },
    log(message) {
      clearBar();
      sink.write(message + '\n');
      if (tty && !finished && samples.length > 0) draw(true);
    },
    finish(n) {
      if (finished) return;
      if (n !== undefined) note = n;
      if (samples.length > 0 || n !== undefined) {
        clearBar();
        sink.write(text().line + '\n');
      }
      finished = true;
    },
  };
}
