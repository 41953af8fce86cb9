// Report cards (studio/report-card.ts) on real music: the built-in eval tunes judged as if they were
// samples are valid and close to the training tunes; the training tunes themselves are copies; garbage
// is neither valid nor close; MIDI counts notes. Then the card through the real CLI (`bgpt report`,
// `bgpt generate --count 2`) on the tiny-a parity checkpoint, stored in the catalogue.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeForCard, type CardReference } from '../../../src-main/studio/report-card';
import { hasAbcmidi } from '../../../src-main/datasets/tunebook';
import { runCli, type Io } from '../../../src-main/cli/framework';
import { commands } from '../../../src-main/cli/commands/index';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { tempDir } from '../../helpers/temp';

const DATASETS = path.resolve(__dirname, '../../../datasets');
const TINY_A = path.resolve(__dirname, '../../fixtures/parity/tiny-a/checkpoint');
const read = (dir: string, filter = (n: string) => true) => readdirSync(dir).filter(filter).map((n) => ({ name: n, bytes: new Uint8Array(readFileSync(path.join(dir, n))) }));
const written = (n: string) => !n.includes('~');
const SAMPLING = { topK: 0, topP: 0.9, temperature: 0.6, firstSeed: 1000, constrained: true };
const asSamples = (files: { bytes: Uint8Array }[]) => files.map((f, i) => ({ bytes: f.bytes, seed: 1000 + i, stoppedBy: 'end' }));

describe('judgeForCard', () => {
  const abcTrain: CardReference = { files: read(path.join(DATASETS, 'abc-tunes', 'train')) };

  it('calls held-out tunes valid, new and close to the training tunes on every feature', () => {
    const held = read(path.join(DATASETS, 'abc-tunes', 'eval'), written);
    const card = judgeForCard(asSamples(held), 'abc', abcTrain, SAMPLING);
    expect(card.samples).toBe(held.length);
    expect(card.valid.verdict).toBe(1);
    expect(card.valid.withNotes).toBe(1);
    if (hasAbcmidi()) expect(card.valid.abc2midi).toBe(1);
    else expect(card.valid.abc2midi).toBeNull();
    expect(card.copyRate).toBe(0);
    expect(card.valid.barsMatching).toBeGreaterThan(0.8);
    expect(card.closeness!.trainFiles).toBeGreaterThanOrEqual(90); // a few demos hold chords only
    for (const f of card.closeness!.features) expect(f.overlap, f.feature).toBeGreaterThan(0.4);
    expect(card.perSample.map((p) => p.seed)).toEqual(held.map((_, i) => 1000 + i));
  });

  it('calls training tunes copies, and garbage neither valid nor close', () => {
    const copies = judgeForCard(asSamples(abcTrain.files.slice(0, 5)), 'abc', abcTrain, SAMPLING);
    expect(copies.copyRate).toBe(1);
    expect(copies.accepted).toBe(0);
    const junk = [`X:1\nK:C\nL:1/16\n${"C,,c''".repeat(20)}|\n`, 'X:1\nK:C\n\u0000\u0001', 'hello'].map((t) => ({ bytes: new TextEncoder().encode(t) }));
    const bad = judgeForCard(asSamples(junk), 'abc', abcTrain, SAMPLING);
    expect(bad.valid.verdict).toBeLessThan(0.5);
    expect(bad.accepted).toBeLessThan(0.5);
    const pitch = bad.closeness?.features.find((f) => f.feature === 'pitch-class')?.overlap ?? 0;
    expect(pitch).toBeLessThan(0.2);
  });

  it('judges MIDI by its structure and notes, and compares it with MIDI training files', () => {
    const train: CardReference = { files: read(path.join(DATASETS, 'midi-tunes', 'train')) };
    const held = read(path.join(DATASETS, 'midi-tunes', 'eval')).slice(0, 8);
    const card = judgeForCard(asSamples(held), 'mid', train, { ...SAMPLING, topP: 1, temperature: 1 });
    expect(card.valid).toMatchObject({ verdict: 1, withNotes: 1, abc2midi: null, barsMatching: null, fullBars: null });
    // MIDI files share long verbatim runs (header, tempo track, accompaniment set-up): the copy check sees some.
    expect(card.copyRate).not.toBeNull();
    expect(card.accepted).toBeCloseTo(1 - card.copyRate!, 5);
    expect(card.closeness!.features.find((f) => f.feature === 'pitch-class')!.overlap).toBeGreaterThan(0.4);
  });
});

describe('bgpt report and bgpt generate --count', () => {
  const tmp = tempDir('bgpt-card-');
  async function bgpt(...argv: string[]) {
    let out = '';
    let err = '';
    const io: Io = { stdout: (t) => void (out += t), stderr: (t) => void (err += t) };
    const code = await runCli(commands, [...argv, '--home', path.join(tmp, 'home'), '--json'], io);
    return { code, err, json: code === 0 ? JSON.parse(out.trim().split('\n').at(-1)!) : null };
  }

  it('makes, prints and stores a card for a checkpoint; a batch of generate carries one too', async () => {
    const r = await bgpt('report', '--checkpoint', TINY_A, '--count', '2', '--ext', 'abc', '--seed', '7');
    expect(r.code, r.err).toBe(0);
    expect(r.json).toMatchObject({ samples: 2, ext: 'abc', checkpoint: TINY_A, runId: null, sampling: { firstSeed: 7, topP: 0.9 } });
    expect(r.json.perSample.map((p: { seed: number }) => p.seed)).toEqual([7, 8]);
    const g = await bgpt('generate', '--checkpoint', TINY_A, '--ext', 'mid', '--count', '2', '--seed', '3', '--out', path.join(tmp, 'song.mid'));
    expect(g.code, g.err).toBe(0);
    expect(g.json.reportCard).toMatchObject({ samples: 2, ext: 'mid', valid: { verdict: 1 } });
    const c = await Catalogue.open(path.join(tmp, 'home'));
    try {
      expect(await c.reportCards.list({ runId: 'none' })).toEqual([]);
      const all = await c.reportCards.latestByRun();
      expect(all.size).toBe(0); // not runs of this catalogue: stored unlinked
    } finally {
      await c.close();
    }
    const bad = await bgpt('report', '--checkpoint', TINY_A, '--count', '0');
    expect(bad.code).not.toBe(0);
  }, 120_000);
});
