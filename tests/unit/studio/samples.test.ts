// One generation service for every front end (issue 21): the same request through the CLI (the built
// bundle, a child process) and through the API (`bgpt serve`'s WebSocket transport on loopback, real
// studio services, the engine in its own process) gives the same bytes; the UI's count N is ONE engine
// job whose samples are each what a single run with seed S+i makes; every sample records the same
// params, format-aware sampling's overrulings included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { ProcessEngineHost } from '../../../src-main/engine-host/host';
import { spawnNodeEngine } from '../../../src-main/engine-host/node-process';
import { createDispatcher } from '../../../src-main/studio/dispatch';
import { openStudio, type Studio } from '../../../src-main/studio/studio';
import { startServer, type RunningServer } from '../../../src-main/server/server';
import { decodeWire, encodeWire } from '../../../src-main/shared/wire';
import type { GenerateRequest, SampleInfo, StudioEvents, WireEvent, WireReply } from '../../../src-main/shared/contract';
import { sampleSeed } from '../../../src-main/shared/seeds';
import { tempDir } from '../../helpers/temp';

const ROOT = path.resolve(__dirname, '../../..');
const PTH = path.join(ROOT, 'tests/fixtures/parity/tiny-a/model.pth');
const SEED = 4_294_967_295; // the largest uint32: sample 1 wraps to seed 0 (shared/seeds.ts)

let tmp: string;
let home: string;
let studio: Studio;
let server: RunningServer;
let modelId: string;

beforeAll(async () => {
  tmp = tempDir('bgpt-samples-');
  home = path.join(tmp, 'home');
  const renderer = path.join(tmp, 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>bGPT Studio</title>');
  studio = await openStudio({ home, engine: new ProcessEngineHost(() => spawnNodeEngine()), transport: 'http', builtIns: false });
  modelId = (await studio.models.importPath(PTH, { name: 'tiny-a' })).id;
  server = await startServer({ port: 0, rendererDir: renderer, dispatch: createDispatcher(studio.handlers), subscribe: (l) => studio.subscribe(l) });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await studio?.close();
});

/** A browser's way in: the WebSocket transport, with the token, one call and its events. */
async function overWebSocket(req: GenerateRequest): Promise<SampleInfo[]> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`, { headers: { origin: `http://127.0.0.1:${server.port}` } });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const samples: SampleInfo[] = [];
  let jobId: string | null = null;
  const finished = new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const msg = decodeWire<WireReply | WireEvent>(String(data));
      if (msg.type === 'reply') {
        if (!msg.ok) reject(new Error(msg.error.message));
        else jobId = (msg.value as { jobId: string }).jobId;
      } else if (msg.event === 'generateProgress') {
        const p = msg.payload as StudioEvents['generateProgress'];
        if (p.jobId !== jobId) return;
        if (p.sample) samples[p.index] = p.sample;
        if (p.error) reject(new Error(p.error));
        if (p.done) resolve();
      }
    });
  });
  ws.send(encodeWire({ type: 'call', seq: 1, method: 'generate', arg: req }));
  await finished;
  ws.close();
  return samples;
}

/** The command line's way in: the built bundle (bin/bgpt.js runs out/node/cli.js) in a child process. */
function overCli(args: string[]): { out: string; json: Record<string, unknown> } {
  const out = path.join(tmp, `cli-${Math.random().toString(36).slice(2)}`, 'sample.bin');
  mkdirSync(path.dirname(out));
  const r = spawnSync(process.execPath, ['bin/bgpt.js', 'generate', ...args, '--out', out, '--home', home, '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return { out, json: JSON.parse(r.stdout.trim().split('\n').pop()!) };
}

const sampleBytes = async (s: SampleInfo) => (await studio.api.readFile({ kind: 'sample', sampleId: s.id })).bytes;

describe('the same generate request from every front end', () => {
  it.each([
    // txt keeps the UTF-8 grammar (format-aware sampling on); wav has none, so its two samples decode in lockstep.
    ['txt', 96],
    ['wav', 64],
  ])('gives the same bytes through the CLI and through bgpt serve (%s, count 2, one seed)', async (ext, maxBytes) => {
    const api = await overWebSocket({ from: { kind: 'model', modelId }, ext, count: 2, sampling: { seed: SEED, maxBytes } });
    expect(api).toHaveLength(2);
    const cli = overCli(['--checkpoint', modelId, '--ext', ext, '--count', '2', '--seed', String(SEED), '--max-bytes', String(maxBytes)]);
    const cliSamples = cli.json.samples as Array<{ out: string; seed: number; sample: string; repairs: number }>;
    expect(cliSamples.map((s) => s.seed)).toEqual([SEED, 0]);
    for (let i = 0; i < 2; i++) {
      // The samples' bytes in the library, byte for byte.
      const apiBytes = Buffer.from(await sampleBytes(api[i]));
      expect(Buffer.from(await sampleBytes({ id: cliSamples[i].sample } as SampleInfo))).toEqual(apiBytes);
      const [viaCli, viaApi] = await Promise.all([studio.catalogue.getSample(cliSamples[i].sample), studio.catalogue.getSample(api[i].id)]);
      // --out holds the bytes as made: the library's copy unless the validator repaired it.
      if (viaApi!.validity !== 'repaired') expect(readFileSync(cliSamples[i].out)).toEqual(apiBytes);
      // The same record: params from one function, whichever front end asked.
      const { bytesPerSecond: _a, ...cliParams } = viaCli!.params as Record<string, unknown>;
      const { bytesPerSecond: _b, ...apiParams } = viaApi!.params as Record<string, unknown>;
      expect(cliParams).toEqual(apiParams);
      expect(viaApi!.params).toMatchObject({ seed: sampleSeed(SEED, i), count: 2, sample: i, modelId, constrain: ext === 'txt', repairs: cliSamples[i].repairs });
      expect(viaCli!.validity).toBe(viaApi!.validity);
    }
  }, 240_000);
});

describe('max bytes past the window', () => {
  it('is refused in one line by the API and the CLI alike, never silently capped (issue 24 item 9)', async () => {
    const refusal = /^max bytes 16,777,216 is past this model's window of [\d,]+ bytes \(prompt included\): give at most [\d,]+$/;
    await expect(overWebSocket({ from: { kind: 'model', modelId }, ext: 'txt', count: 1, sampling: { seed: 1, maxBytes: 16_777_216 } })).rejects.toThrow(refusal);
    const r = spawnSync(process.execPath, ['bin/bgpt.js', 'generate', '--checkpoint', modelId, '--ext', 'txt', '--max-bytes', '16777216', '--out', path.join(tmp, 'never.txt'), '--home', home],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].replace(/^bgpt generate: /, '')).toMatch(refusal);
    expect(existsSync(path.join(tmp, 'never.txt'))).toBe(false);
  }, 120_000);
});

describe('batched generation in the studio', () => {
  it('makes count N in ONE engine job, each sample what a single request with seed S+i makes', async () => {
    const calls: string[] = [];
    const engine = studio.engine;
    const call = engine.call.bind(engine);
    engine.call = ((method, arg) => { calls.push(method); return call(method, arg); }) as typeof engine.call;
    try {
      const many = await studio.samples.generate({ from: { kind: 'model', modelId }, ext: 'mid', count: 3, sampling: { topK: 0, seed: 77, maxBytes: 48 } });
      expect(calls).toEqual(['generate']);
      for (const s of many.samples) {
        const one = await studio.samples.generate({ from: { kind: 'model', modelId }, ext: 'mid', count: 1, sampling: { topK: 0, seed: sampleSeed(77, s.index), maxBytes: 48 } });
        expect(one.samples[0].made.bytes).toEqual(s.made.bytes);
      }
    } finally {
      engine.call = call;
    }
  }, 120_000);

  it('turns format-aware sampling off when asked, and records how often it overruled the model when on', async () => {
    const on = await studio.samples.generate({ from: { kind: 'model', modelId }, ext: 'abc', count: 1, sampling: { topK: 0, seed: 3, maxBytes: 200 } });
    const off = await studio.samples.generate({ from: { kind: 'model', modelId }, ext: 'abc', count: 1, sampling: { topK: 0, seed: 3, maxBytes: 200, constrain: false } });
    expect(on.samples[0].info.params).toMatchObject({ constrain: true, repairs: on.samples[0].made.repairs });
    expect(off.samples[0].info.params).toMatchObject({ constrain: false, repairs: 0 });
    // A tiny model trained on prose knows no ABC header: the grammar overrules it, and the two files differ.
    expect(on.samples[0].made.repairs).toBeGreaterThan(0);
    expect(Buffer.from(on.samples[0].made.bytes).equals(Buffer.from(off.samples[0].made.bytes))).toBe(false);
  }, 120_000);
});
