// Vitest global setup: probes the system packages the suites need (tests/helpers/system.ts) once, before any
// worker starts (workers inherit the answers through the environment), and says which suites a missing package
// skips, at the start of the run and again at its end, where a reader looks. Under CI=true a missing package
// fails the run here, at once.
import { missingLine, NEEDS, probe, record, strict, type SystemNeed } from '../helpers/system';

export default function setup(): () => void {
  // Chromium is the e2e run's need, decided in vitest.e2e.config.ts (a missing browser skips every e2e file).
  const needs = (Object.keys(NEEDS) as SystemNeed[]).filter((n) => n !== 'chromium');
  const missing: SystemNeed[] = [];
  for (const need of needs) {
    const has = probe(need);
    record(need, has);
    if (!has) missing.push(need);
  }
  if (missing.length > 0 && strict()) {
    throw new Error(`CI=true and this machine lacks: ${missing.map((n) => `${NEEDS[n].packages} (${NEEDS[n].install})`).join('; ')}`);
  }
  const say = () => { for (const n of missing) process.stdout.write(`npm test: ${missingLine(n)}\n`); };
  say();
  return say;
}
