// `bgpt models import|list|download` and `--checkpoint NAME` through the real CLI (in process), on a
// temporary studio home, with the reference trainer's tiny-a .pth and a local HTTP server standing in
// for Hugging Face (BGPT_HF_ENDPOINT).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Io } from '../../../../src-main/cli/framework';
import { commands } from '../../../../src-main/cli/commands/index';
import { Catalogue } from '../../../../src-main/catalogue/catalogue';
import { startModelServer, type ModelServer } from '../../../helpers/model-server';
import { tempDir } from '../../../helpers/temp';

const FIXTURE = path.join(__dirname, '../../../fixtures/parity/tiny-a');
const PTH = path.join(FIXTURE, 'model.pth');
const PTH_SHA = createHash('sha256').update(readFileSync(PTH)).digest('hex');
const expected = JSON.parse(readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8')) as Record<string, { loss: number }>;

let tmp: string;
let home: string;
let server: ModelServer;

async function bgpt(...argv: string[]): Promise<{ code: number; json: any; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { stdout: (t) => void (out += t), stderr: (t) => void (err += t) };
  const code = await runCli(commands, [...argv, '--home', home, '--json'], io);
  const last = out.trim().split('\n').at(-1);
  // The error is the last stderr line, after the command's name.
  const line = err.trim().split('\n').at(-1) ?? '';
  return { code, json: code === 0 && last ? JSON.parse(last) : null, err: code === 0 ? err.trim() : line.replace(/^bgpt [a-z ]+: /, '') };
}

beforeAll(async () => {
  tmp = tempDir('bgpt-models-');
  home = path.join(tmp, 'home');
  const pth = new Uint8Array(readFileSync(PTH));
  server = await startModelServer({ 'weights-text.pth': pth, 'weights-conversion.pth': pth, 'weights-image.pth': new TextEncoder().encode('not a checkpoint at all') });
  process.env.BGPT_HF_ENDPOINT = server.base;
});

afterAll(async () => {
  delete process.env.BGPT_HF_ENDPOINT;
  await server.close();
});

describe('bgpt models', () => {
  it('imports a reference .pth with its log, lists it, and evaluates it by name as the reference does', async () => {
    const dir = path.join(tmp, 'trained');
    await import('node:fs/promises').then((f) => f.mkdir(dir));
    copyFileSync(PTH, path.join(dir, 'weights-irish.pth'));
    writeFileSync(path.join(dir, 'logs-irish.txt'), 'Epoch 1\ntrain_loss: 3.5\neval_loss: 3.25\ntime: x\n\nEpoch 2\ntrain_loss: 2.5\neval_loss: 2.75\ntime: y\n\n');
    const imported = await bgpt('models', 'import', path.join(dir, 'weights-irish.pth'));
    expect(imported.err).toMatch(/checking/);
    expect(imported.code).toBe(0);
    const m = imported.json.model;
    expect(m).toMatchObject({ name: 'weights-irish', kind: 'generative', sha256: PTH_SHA });
    expect(Object.keys(m.config).sort()).toEqual(expect.arrayContaining(['patch_size', 'patch_length', 'hidden_size', 'patch_num_layers', 'byte_num_layers']));
    expect(m.parameters).toBeGreaterThan(1000);
    // Kept as imported, owner-only, under the home.
    expect(m.path.startsWith(path.join(home, 'models', m.id))).toBe(true);
    expect(readFileSync(m.path).equals(readFileSync(PTH))).toBe(true);
    if (process.platform !== 'win32') expect(statSync(m.path).mode & 0o777).toBe(0o600);

    const catalogue = await Catalogue.open(home);
    expect(await catalogue.models.metrics(m.id)).toEqual([{ epoch: 1, trainLoss: 3.5, evalLoss: 3.25 }, { epoch: 2, trainLoss: 2.5, evalLoss: 2.75 }]);
    await catalogue.close();

    const list = await bgpt('models', 'list');
    expect(list.json.models.map((x: { id: string }) => x.id)).toEqual([m.id]);

    const input = Object.keys(expected)[0];
    for (const spec of ['weights-irish', m.id]) {
      const r = await bgpt('eval', '--checkpoint', spec, path.join(FIXTURE, input));
      expect(r.code).toBe(0);
      expect(Math.abs(r.json.files[0].loss - expected[input].loss)).toBeLessThan(1e-4);
    }
  });

  it('refuses a name twice, a file that is not a checkpoint, and an unknown --checkpoint, in one line and writing nothing', async () => {
    const before = readdirSync(path.join(home, 'models')).sort();
    const dup = await bgpt('models', 'import', PTH, '--name', 'weights-irish');
    expect(dup.code).toBe(1);
    expect(dup.err).toBe("a model named 'weights-irish' already exists (choose another with --name)");
    const fake = path.join(tmp, 'fake.pth');
    writeFileSync(fake, 'import os; os.system("touch /tmp/pwned")');
    const bad = await bgpt('models', 'import', fake);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/fake\.pth/);
    expect(readdirSync(path.join(home, 'models')).sort()).toEqual(before);
    const none = await bgpt('eval', '--checkpoint', 'no-such-model', PTH);
    expect(none.code).toBe(1);
    expect(none.err).toBe(`--checkpoint 'no-such-model': no checkpoint folder or .pth/.pt file at that path, and no model or run with that id or name in ${home}`);
  });

  it("refuses the issue's impostor: another .pth served as the published weights-text.pth without hash headers", async () => {
    // The mirror answers with the tiny-a checkpoint (a valid bGPT .pth, 1.7 MiB) and no X-Linked-Etag:
    // it used to land as the published "weights-text"; the studio's pinned size and sha256 refuse it.
    server.knobs.noHashHeaders = true;
    try {
      const t0 = Date.now();
      const r = await bgpt('models', 'download', 'text');
      expect(r.code).toBe(1);
      expect(r.err).toBe(`${server.base}/sander-wood/bgpt/resolve/main/weights-text.pth is 1.7 MiB (${readFileSync(PTH).length} bytes), not the expected 1.2 GiB (1324402756 bytes): not the file asked for; refused, nothing kept`);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      server.knobs.noHashHeaders = false;
    }
    // With the hub's own hash headers the answer is the same: the pin decides, not the server.
    expect((await bgpt('models', 'download', 'text')).err).toMatch(/not the expected 1\.2 GiB \(1324402756 bytes\): not the file asked for/);
    expect((await bgpt('models', 'list')).json.models.map((m: { name: string }) => m.name)).not.toContain('weights-text');
    expect(readdirSync(path.join(home, 'downloads')).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('downloads a URL once with the sha256 its server publishes or the one given (kind from the name)', async () => {
    const url = `${server.base}/sander-wood/bgpt/resolve/main/weights-conversion.pth`;
    const conv = await bgpt('models', 'download', url, '--name', 'abc2midi');
    expect(conv.code).toBe(0);
    expect(conv.json.model).toMatchObject({ name: 'abc2midi', kind: 'conversion', sha256: PTH_SHA, source: url });
    const again = await bgpt('models', 'download', url, '--name', 'abc2midi');
    expect(again.json.model.id).toBe(conv.json.model.id);
    expect(again.err).toMatch(/already downloaded as model 'abc2midi'/);
    server.knobs.noHashHeaders = true;
    try {
      const none = await bgpt('models', 'download', `${server.base}/sander-wood/bgpt/resolve/main/weights-text.pth`, '--name', 'plain');
      expect(none.err).toMatch(/: no sha256 to check it against \(the server publishes none and none was given\): refused; give the expected sha256 with --sha256 HEX, or download the file yourself and use `bgpt models import`$/);
      const given = await bgpt('models', 'download', `${server.base}/sander-wood/bgpt/resolve/main/weights-text.pth`, '--name', 'plain', '--sha256', PTH_SHA);
      expect(given.json.model).toMatchObject({ name: 'plain', kind: 'generative', sha256: PTH_SHA });
      const wrong = await bgpt('models', 'download', `${server.base}/sander-wood/bgpt/resolve/main/weights-text.pth`, '--name', 'wrong', '--sha256', 'c'.repeat(64));
      expect(wrong.err).toMatch(/has sha256 [0-9a-f]{12}…, not the expected cccccccccccc…: not the file asked for/);
    } finally {
      server.knobs.noHashHeaders = false;
    }
    expect((await bgpt('models', 'download', 'text', '--sha256', 'd'.repeat(64))).err).toMatch(/^--sha256 dddddddddddd… is not the published weights-text\.pth \(sha256 f30ed5a81408…\)$/);
    expect(readdirSync(path.join(home, 'downloads')).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('refuses a download that is not a bGPT checkpoint, plain http elsewhere, and says so offline', async () => {
    const notPth = new TextEncoder().encode('not a checkpoint at all');
    const bad = await bgpt('models', 'download', `${server.base}/sander-wood/bgpt/resolve/main/weights-image.pth`, '--sha256', createHash('sha256').update(notPth).digest('hex'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^downloaded .*weights-image\.pth, but it is not a bGPT checkpoint: /);
    expect((await bgpt('models', 'list')).json.models.map((m: { name: string }) => m.name)).not.toContain('weights-image');
    expect((await bgpt('models', 'download', 'http://example.org/weights.pth')).err).toMatch(/^cannot download http:\/\/example\.org\/weights\.pth: plain http is not used for downloads/);
    process.env.BGPT_HF_ENDPOINT = 'http://mirror.example';
    try {
      expect((await bgpt('models', 'download', 'cpu')).err).toMatch(/^BGPT_HF_ENDPOINT=http:\/\/mirror\.example: plain http is not used for downloads/);
      process.env.BGPT_HF_ENDPOINT = 'http://127.0.0.1:9';
      const off = await bgpt('models', 'download', 'cpu');
      expect(off.code).toBe(1);
      expect(off.err).toBe('cannot reach 127.0.0.1:9: ECONNREFUSED; download the file elsewhere and use `bgpt models import`');
    } finally {
      process.env.BGPT_HF_ENDPOINT = server.base;
    }
    expect(existsSync(path.join(home, 'models'))).toBe(true);
  });
});
