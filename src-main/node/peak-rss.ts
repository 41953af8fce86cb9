// The process's peak resident memory over one phase of work (the benches' per-phase figures). Linux
// lets a process reset its high-water mark (writing 5 to /proc/self/clear_refs, proc(5)) and read it
// back (VmHWM in /proc/self/status); elsewhere the peak since the process started is all there is.
import { readFileSync, writeFileSync } from 'node:fs';

/** Starts a new phase: the peak from now on (true), or false where the OS cannot reset it. */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak resident bytes since the last reset (or since the process started). */
export function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: the process-wide figure below
  }
  return process.resourceUsage().maxRSS * 1024;
}
