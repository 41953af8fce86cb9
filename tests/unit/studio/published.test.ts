// The published files' pins, the hub and where its downloads may go (issue 20 items 3 and 5): the
// shipped table, https only (loopback http for tests), the redirect hosts a browser's download may
// follow, and test pins honoured only for a hub on this machine.
import { describe, expect, it } from 'vitest';
import { hfEndpoint, hubRedirectAllowed, PUBLISHED_FILES, PUBLISHED_MODELS, publishedFiles, publishedUrl, transportProblem } from '../../../src-main/studio/published';

describe('published files', () => {
  it('pins all five by size and sha256', () => {
    for (const name of PUBLISHED_MODELS) {
      expect(PUBLISHED_FILES[name].file).toBe(`weights-${name}.pth`);
      expect(PUBLISHED_FILES[name].sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(PUBLISHED_FILES[name].size).toBeGreaterThan(1_300_000_000);
    }
    expect(publishedUrl('text', {})).toBe('https://huggingface.co/sander-wood/bgpt/resolve/main/weights-text.pth');
  });

  it('takes the hub over https, or over http on this machine only', () => {
    expect(hfEndpoint({ BGPT_HF_ENDPOINT: 'https://mirror.example/hf///' })).toBe('https://mirror.example/hf');
    expect(hfEndpoint({ BGPT_HF_ENDPOINT: 'http://127.0.0.1:8080' })).toBe('http://127.0.0.1:8080');
    expect(() => hfEndpoint({ BGPT_HF_ENDPOINT: 'http://mirror.example' })).toThrow(/^BGPT_HF_ENDPOINT=http:\/\/mirror\.example: plain http is not used/);
    expect(() => hfEndpoint({ BGPT_HF_ENDPOINT: 'ftp://x' })).toThrow(/a ftp URL cannot be downloaded/);
    expect(transportProblem(new URL('http://[::1]:9/x'))).toBeNull();
    expect(transportProblem(new URL('http://localhost/x'))).toBeNull();
    expect(transportProblem(new URL('http://169.254.169.254/'))).toMatch(/plain http/);
  });

  it("follows the hub's redirects to its own hosts only", () => {
    const hub = {};
    for (const ok of ['https://cdn-lfs-us-1.hf.co/x', 'https://cas-bridge.xethub.hf.co/x', 'https://cdn-lfs.huggingface.co/x', 'https://huggingface.co/y']) expect(hubRedirectAllowed(new URL(ok), hub)).toBe(true);
    for (const bad of ['https://evil.example/x', 'http://cdn-lfs.hf.co/x', 'https://huggingface.co.evil.example/x', 'https://evilhf.co/x', 'https://127.0.0.1/x']) expect(hubRedirectAllowed(new URL(bad), hub)).toBe(false);
    const mirror = { BGPT_HF_ENDPOINT: 'http://127.0.0.1:8080' };
    expect(hubRedirectAllowed(new URL('http://127.0.0.1:8080/cdn/x'), mirror)).toBe(true);
    expect(hubRedirectAllowed(new URL('http://127.0.0.1:8081/admin'), mirror)).toBe(false);
    expect(hubRedirectAllowed(new URL('https://cdn-lfs.hf.co/x'), mirror)).toBe(false);
  });

  it('honours test pins only for a hub on this machine', () => {
    const pins = JSON.stringify({ text: { size: 10, sha256: 'a'.repeat(64) } });
    expect(publishedFiles({})).toBe(PUBLISHED_FILES);
    expect(publishedFiles({ BGPT_HF_ENDPOINT: 'http://127.0.0.1:1', BGPT_TEST_PUBLISHED: pins }).text).toMatchObject({ size: 10, sha256: 'a'.repeat(64) });
    expect(() => publishedFiles({ BGPT_TEST_PUBLISHED: pins })).toThrow(/honoured only for a test hub on this machine/);
    expect(() => publishedFiles({ BGPT_HF_ENDPOINT: 'https://mirror.example', BGPT_TEST_PUBLISHED: pins })).toThrow(/honoured only/);
  });
});
