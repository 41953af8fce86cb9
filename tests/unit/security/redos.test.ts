// The ReDoS audit (issue 20 item 1, docs/security.md "Bounded time"): every entry of redos-entries.ts
// runs on every adversarial input (10,000 blank lines, 1 MB runs of one character, runs of `%` lines,
// deep nesting, long lines, alternating patterns, binaries) in a worker thread, and each run must end
// within BOUND_MS (2 s, more on a busier machine), or scale linearly (half the input in at least a third of the time). A run still going after HANG_MS (the old `looksLikeAbc` on 10,000 blank lines
// would take longer than the universe has existed) terminates the worker and fails that entry.
// A second test keeps the table honest: every source file with a regex is covered or reviewed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { auditInputs, ENTRIES, REVIEWED_REGEX_FILES } from './redos-entries';

/**
 * Generous: a linear pass over 1 MB takes milliseconds on a quiet machine and at most ~1.3 s measured
 * on a 2-core machine at load 20; a quadratic one over 256 KiB takes tens of seconds. On a machine
 * busier still (other test files in parallel), the bound grows with a reference pass over 1 MB timed
 * just before each entry: LOAD_FACTOR times it, never less than BOUND_MS.
 */
const BOUND_MS = 2000;
const LOAD_FACTOR = 150;
/** After this long (or 3 bounds, if longer) one case is taken to hang: the worker is terminated. */
const HANG_MS = 10_000;
const ROOT = path.resolve(__dirname, '../../..');
const INPUTS = auditInputs(1024).map((i) => ({ name: i.name, abc: i.abc })); // names only: small

/** The worker, started through tsx (worker threads ignore the test runner's loader); resolves once its inputs are built. */
function startWorker(): Promise<Worker> {
  const entry = pathToFileURL(path.join(__dirname, 'redos-worker.ts')).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const w = new Worker(`import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
  return new Promise((resolve, reject) => {
    w.once('message', () => resolve(w));
    w.once('error', reject);
  });
}

let worker: Promise<Worker> | null = null;
afterAll(async () => {
  await (await worker)?.terminate();
});

/** Runs one case; null when it hung (the worker is then replaced). */
async function runCase(entry: number, input: number, hangMs = HANG_MS, half = false): Promise<{ ms: number; error: string | null } | null> {
  return send({ entry, input, half }, hangMs);
}

/**
 * A run over the bound is still accepted when the work is linear: the first half of the same input takes at
 * least 1/LINEAR_RATIO of the time (linear: 1/2; quadratic: 1/4). Parsing a book of 18,000 tunes, each checked
 * by abcjs, is heavy per byte and linear; a backtracking regex is neither.
 */
const LINEAR_RATIO = 3;

function send(msg: object, hangMs: number): Promise<{ ms: number; error: string | null } | null> {
  return (worker ??= startWorker()).then((w) => sendTo(w, msg, hangMs));
}

function sendTo(w: Worker, msg: object, hangMs: number): Promise<{ ms: number; error: string | null } | null> {
  w.removeAllListeners('error');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      w.removeAllListeners();
      worker = null;
      void w.terminate();
      resolve(null);
    }, hangMs);
    w.once('message', (m: { ms: number; error: string | null }) => {
      clearTimeout(timer);
      w.removeAllListeners('error');
      resolve(m);
    });
    w.once('error', (err) => {
      clearTimeout(timer);
      worker = null;
      reject(err);
    });
    w.postMessage(msg);
  });
}

/**
 * Other test files share the machine, and a pause of theirs only ever adds time: each size is timed twice,
 * interleaved (half, full, half), and the fastest of each compared (a 2.1 s full pass beside a half pass that
 * happened to run while the machine was quiet failed CI once).
 */
async function isLinear(entry: number, input: number, fullMs: number, hang: number): Promise<boolean> {
  const halves: number[] = [];
  const fulls = [fullMs];
  for (const half of [true, false, true]) {
    const r = await runCase(entry, input, hang, half);
    if (r === null || r.error) return false;
    (half ? halves : fulls).push(r.ms);
  }
  return Math.min(...fulls) <= LINEAR_RATIO * Math.max(Math.min(...halves), 1);
}

describe('ReDoS audit: every detector, validator and parser on adversarial input', () => {
  ENTRIES.forEach((entry, e) => {
    it(`${entry.name} (${entry.source})`, async () => {
      const reference = (await send({ calibrate: true }, HANG_MS))?.ms ?? 0;
      const bound = Math.max(BOUND_MS, LOAD_FACTOR * reference);
      const hang = Math.max(HANG_MS, 3 * bound);
      const slow: string[] = [];
      for (let i = 0; i < INPUTS.length; i++) {
        if (INPUTS[i].abc && !entry.abc) continue;
        const r = await runCase(e, i, hang);
        if (r === null) slow.push(`${INPUTS[i].name}: still running after ${Math.round(hang)} ms (terminated)`);
        else if (r.error) slow.push(`${INPUTS[i].name}: threw ${r.error}`);
        else if (r.ms > bound && !(await isLinear(e, i, r.ms, hang))) slow.push(`${INPUTS[i].name}: ${Math.round(r.ms)} ms (bound ${Math.round(bound)} ms: a 1 MB reference pass took ${reference.toFixed(1)} ms)`);
      }
      expect(slow).toEqual([]);
    }, INPUTS.length * 4 * HANG_MS + 60_000);
  });
});

/** Files under src-main and src-renderer that contain a regex literal or `new RegExp`. */
function filesWithRegex(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.(ts|svelte)$/.test(e.name) && !e.name.endsWith('.d.ts')) {
        let text = readFileSync(full, 'utf8');
        if (e.name.endsWith('.svelte')) text = [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
        const sf = ts.createSourceFile(full, text, ts.ScriptTarget.Latest, true);
        let found = false;
        const visit = (n: ts.Node): void => {
          if (found) return;
          if (n.kind === ts.SyntaxKind.RegularExpressionLiteral || ((ts.isNewExpression(n) || ts.isCallExpression(n)) && n.expression.getText(sf) === 'RegExp')) found = true;
          else ts.forEachChild(n, visit);
        };
        visit(sf);
        if (found) out.push(path.relative(ROOT, full).split(path.sep).join('/'));
      }
    }
  };
  walk(path.join(ROOT, 'src-main'));
  walk(path.join(ROOT, 'src-renderer'));
  return out.sort();
}

/** `src-main/formats/{midi,wav}.ts` → both files. */
function expand(source: string): string[] {
  const m = /^(.*)\{([^}]*)\}(.*)$/.exec(source);
  return m ? m[2].split(',').map((x) => `${m[1]}${x}${m[3]}`) : [source];
}

describe('ReDoS audit table', () => {
  it('accounts for every source file that holds a regex (an entry runs it, or a note says why none needs to)', () => {
    const covered = new Set(ENTRIES.flatMap((e) => expand(e.source)));
    const found = filesWithRegex();
    const unaccounted = found.filter((f) => !covered.has(f) && !(f in REVIEWED_REGEX_FILES) && !covered.has(f.replace(/\/[^/]+$/, '/*.ts')));
    expect(unaccounted).toEqual([]);
    // A reviewed note for a file that no longer has a regex is stale.
    expect(Object.keys(REVIEWED_REGEX_FILES).filter((f) => !found.includes(f))).toEqual([]);
  });
});
