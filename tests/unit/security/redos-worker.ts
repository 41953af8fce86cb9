// Worker thread of the ReDoS audit: runs one entry on one input at a time and reports how long it took.
// A regex that backtracks without end cannot be interrupted from its own thread; in a worker, the test
// can terminate it and report which entry and input hung instead of hanging itself.
import { parentPort } from 'node:worker_threads';
import { auditInputs, ENTRIES, type AuditInput } from './redos-entries';

const inputs: AuditInput[] = auditInputs();
parentPort!.postMessage({ ready: true });

/** One linear pass over 1 MB (a loop, an encode, a split): how fast this machine is right now. */
function referencePass(): number {
  const start = performance.now();
  const text = 'a '.repeat(1 << 19);
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  new TextEncoder().encode(text);
  return performance.now() - start + (text.split(' ').length + h) * 0;
}

parentPort!.on('message', (msg: { entry: number; input: number; half?: boolean } | { calibrate: true }) => {
  if ('calibrate' in msg) {
    const runs = [referencePass(), referencePass(), referencePass()].sort((a, b) => a - b);
    parentPort!.postMessage({ ms: runs[1], error: null });
    return;
  }
  const entry = ENTRIES[msg.entry];
  const full = inputs[msg.input];
  // `half`: the first half of the input, to tell heavy-but-linear work (twice the time at twice the size) from
  // super-linear work (four times or more).
  const cap = Math.min(entry.maxBytes ?? Infinity, msg.half ? Math.floor(full.bytes.length / 2) : Infinity);
  const input = full.bytes.length > cap
    ? { ...full, bytes: full.bytes.subarray(0, cap), text: full.text.slice(0, cap) }
    : full;
  const start = performance.now();
  let error: string | null = null;
  try {
    entry.run(input);
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  parentPort!.postMessage({ ms: performance.now() - start, error });
});
