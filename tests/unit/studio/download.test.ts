// The resumable downloader against a real local HTTP server: redirects, resume after a cut connection
// (Range + If-Range), a server that ignores Range, integrity checks, refused redirects, offline, cancel.
import { createHash } from 'node:crypto';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { download, type DownloadProgress } from '../../../src-main/studio/download';
import { startModelServer, type ModelServer } from '../../helpers/model-server';
import { tempDir } from '../../helpers/temp';

const PTH = new Uint8Array(readFileSync(path.join(__dirname, '../../fixtures/parity/tiny-a/model.pth')));
const SHA = createHash('sha256').update(PTH).digest('hex');
const cleanup: Array<() => unknown> = [];
afterEach(async () => { for (const c of cleanup.splice(0)) await c(); });

async function setup(knobs: Parameters<typeof startModelServer>[1] = {}): Promise<{ server: ModelServer; part: string; url: string }> {
  const server = await startModelServer({ 'weights-text.pth': PTH }, knobs);
  const dir = tempDir('bgpt-dl-');
  cleanup.push(() => server.close());
  return { server, part: path.join(dir, 'x.part'), url: `${server.base}/sander-wood/bgpt/resolve/main/weights-text.pth` };
}

describe('download', () => {
  it('follows the redirect, reports progress and checks the published sha256', async () => {
    const { part, url } = await setup();
    const seen: DownloadProgress[] = [];
    const r = await download({ url, partFile: part, onProgress: (p) => seen.push(p) });
    expect(r.sha256).toBe(SHA);
    expect(r.publishedSha256).toBe(SHA);
    expect(r.size).toBe(PTH.length);
    expect(r.finalUrl).toMatch(/\/cdn\/weights-text\.pth\?signed=1$/);
    expect(readFileSync(part).equals(Buffer.from(PTH))).toBe(true);
    expect(seen.at(-1)).toMatchObject({ bytes: PTH.length, total: PTH.length });
  });

  it('resumes with Range after the connection is cut mid-body', async () => {
    const cutAfter = Math.floor(PTH.length / 3);
    const { server, part, url } = await setup({ cutAfter, cuts: 1, chunkDelayMs: 2 });
    const r = await download({ url, partFile: part });
    expect(r.sha256).toBe(SHA);
    expect(r.resumedFrom).toBe(0);
    expect(server.ranges).toEqual(['', `bytes=${cutAfter}-`]);
  });

  it('keeps the partial file when retries run out, and a second call resumes it', async () => {
    const cutAfter = Math.floor(PTH.length / 2);
    const { server, part, url } = await setup({ cutAfter, cuts: 5, chunkDelayMs: 2 });
    await expect(download({ url, partFile: part, retries: 0 })).rejects.toThrow(/interrupted after .*run the same command again to resume/);
    expect(readFileSync(part).length).toBe(cutAfter);
    server.knobs.cuts = 0;
    const r = await download({ url, partFile: part });
    expect(r.resumedFrom).toBe(cutAfter);
    expect(r.sha256).toBe(SHA);
    expect(server.ranges.at(-1)).toBe(`bytes=${cutAfter}-`);
  });

  it('restarts cleanly from a server that ignores Range', async () => {
    // Cut well into the body, while the client is already reading it (16 KiB every 5 ms).
    const { server, part, url } = await setup({ cutAfter: 160 * 1024, cuts: 1, ignoreRange: true, chunkDelayMs: 5 });
    const r = await download({ url, partFile: part });
    expect(r.sha256).toBe(SHA);
    expect(r.size).toBe(PTH.length);
    expect(server.ranges).toEqual(['', `bytes=${160 * 1024}-`]);
  });

  it('refuses bytes whose sha256 differs from the published one and removes them', async () => {
    const { part, url } = await setup({ publishSha: 'f'.repeat(64) });
    await expect(download({ url, partFile: part })).rejects.toThrow(/is corrupt: sha256 .*published ffffffffffff/);
    expect(existsSync(part)).toBe(false);
  });

  it('discards a partial file with no resume record instead of splicing it', async () => {
    const { server, part, url } = await setup();
    writeFileSync(part, 'garbage from somewhere else');
    const r = await download({ url, partFile: part });
    expect(r.sha256).toBe(SHA);
    expect(server.ranges).toEqual(['']);
  });

  it('refuses redirects to other schemes and https→http downgrades', async () => {
    for (const [to, pattern] of [['file:///etc/passwd', /refusing a redirect to a file URL/], ['ftp://example.org/x', /refusing a redirect to a ftp URL/]] as const) {
      const { part, url } = await setup({ redirectTo: to });
      await expect(download({ url, partFile: part })).rejects.toThrow(pattern);
    }
    await expect(download({ url: 'file:///etc/passwd', partFile: '/tmp/never.part' })).rejects.toThrow('cannot download file:///etc/passwd: a file URL cannot be downloaded (give an https: URL)');
  });

  it('uses plain http only to this machine, and follows no redirect to plain http elsewhere', async () => {
    await expect(download({ url: 'http://example.org/x.pth', partFile: '/tmp/never.part' })).rejects.toThrow(/^cannot download http:\/\/example\.org\/x\.pth: plain http is not used for downloads/);
    const { part, url } = await setup({ redirectTo: 'http://10.0.0.1/internal.pth' });
    await expect(download({ url, partFile: part })).rejects.toThrow('refusing a redirect to plain http on another machine');
  });

  it('refuses a file of another size than expected before reading its body, and one of another sha256', async () => {
    const { part, url } = await setup();
    const t0 = Date.now();
    await expect(download({ url, partFile: part, expectedSize: 1_324_402_756 })).rejects.toThrow(`${url} is 1.7 MiB (${PTH.length} bytes), not the expected 1.2 GiB (1324402756 bytes): not the file asked for; refused, nothing kept`);
    expect(existsSync(part)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(5_000);
    await expect(download({ url, partFile: part, expectedSha256: 'a'.repeat(64) })).rejects.toThrow(/is published with sha256 [0-9a-f]{12}…, not the expected aaaaaaaaaaaa…: not the file asked for/);
  });

  it('refuses a file nobody publishes a sha256 for, when one is required, and checks the one given', async () => {
    const { part, url } = await setup({ noHashHeaders: true });
    await expect(download({ url, partFile: part, requireSha256: true, noHashHint: 'give one with --sha256 HEX' }))
      .rejects.toThrow(/: no sha256 to check it against \(the server publishes none and none was given\): refused; give one with --sha256 HEX$/);
    expect(existsSync(part)).toBe(false);
    await expect(download({ url, partFile: part, requireSha256: true, expectedSha256: 'b'.repeat(64) })).rejects.toThrow(/has sha256 [0-9a-f]{12}…, not the expected bbbbbbbbbbbb…/);
    expect(existsSync(part)).toBe(false);
    const r = await download({ url, partFile: part, requireSha256: true, expectedSha256: SHA });
    expect(r.sha256).toBe(SHA);
  });

  it('follows only the redirects a caller allows, without naming where they pointed', async () => {
    const { part, url } = await setup({ redirectTo: 'http://127.0.0.1:1/admin' });
    const err = await download({ url, partFile: part, redirectAllowed: (next) => next.port !== '1' }).catch((e: Error) => e);
    expect((err as Error).message).toBe('refusing a redirect away from the hub and its download hosts');
  });

  it('says in one line that the host cannot be reached', async () => {
    const { part } = await setup();
    const err = await download({ url: 'http://127.0.0.1:9/x.pth', partFile: part, offlineHint: 'download the file elsewhere and use `bgpt models import`' })
      .catch((e: Error) => e);
    expect((err as Error).message).toBe('cannot reach 127.0.0.1:9: ECONNREFUSED; download the file elsewhere and use `bgpt models import`');
    expect(existsSync(part)).toBe(false);
  });

  it('answers a missing file with its URL', async () => {
    const { server, part } = await setup();
    await expect(download({ url: `${server.base}/sander-wood/bgpt/resolve/main/weights-nope.pth`, partFile: part })).rejects.toThrow(/answered no such file/);
  });

  it('stops on cancel and keeps the partial file for a resume', async () => {
    const { part, url } = await setup({ chunkDelayMs: 20 });
    const ac = new AbortController();
    const p = download({ url, partFile: part, signal: ac.signal, onProgress: (x) => { if (x.bytes > 32 * 1024) ac.abort(); } });
    await expect(p).rejects.toThrow('download cancelled');
    const kept = readFileSync(part).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(PTH.length);
  });
});
