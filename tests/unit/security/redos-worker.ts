// Worker thread of the ReDoS audit: runs one entry on one input at a time and reports how long it took.
// A regex that backtracks without end cannot be interrupted from its own thread; in a worker, the test
// can terminate it and report which entry and input hung instead of hanging itself.
import { parentPort } from 'node:worker_threads';
import { auditInputs, ENTRIES, type AuditInput } from './redos-entries';

const inputs: AuditInput[] = auditInputs();
parentPort!.postMessage({ ready: true });

parentPort!.on('message', (msg: { entry: number; input: number }) => {
  const entry = ENTRIES[msg.entry];
  const full = inputs[msg.input];
  const input = entry.maxBytes && full.bytes.length > entry.maxBytes
    ? { ...full, bytes: full.bytes.subarray(0, entry.maxBytes), text: full.text.slice(0, entry.maxBytes) }
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
