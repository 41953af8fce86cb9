// The token never leaves its origin, and a rebound host name is refused (docs/security.md items 2 and 3),
// in real Chromium against the real `bgpt serve`. A second HTTP server on another port of 127.0.0.1
// records what the same browser sends it: cookies are shared by every port of a host, so a token kept
// in a cookie would reach it. A host-resolver rule maps rebind.test to 127.0.0.1, as DNS rebinding
// would, and the studio must refuse that Host.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumPath } from './browser';
import { startServe, type Served } from './serve';
import { StudioPage } from './pages/studio-page';

describe('token and host guards in a real browser', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let other: http.Server;
  let otherPort = 0;
  const seen: { url: string; cookie: string | undefined; referer: string | undefined }[] = [];

  beforeAll(async () => {
    served = await startServe();
    other = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', cookie: req.headers.cookie, referer: req.headers.referer });
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<title>other</title>');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    otherPort = (other.address() as { port: number }).port;
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--host-resolver-rules=MAP rebind.test 127.0.0.1'],
    });
    page = await (await browser.newContext()).newPage();
    await new StudioPage(page).open(served.url);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await new Promise<void>((r) => (other ? other.close(() => r()) : r()));
  });

  it('opens the studio (its socket connects) and keeps the token out of cookies', async () => {
    const token = new URL(served.url).searchParams.get('token')!;
    expect(new URL(page.url()).pathname).toBe(`/s/${token}/`);
    expect(await page.context().cookies()).toEqual([]);
    // Another server on the same host, visited by the same browser, receives no studio token.
    const probe = await page.context().newPage();
    await probe.goto(`http://127.0.0.1:${otherPort}/probe`);
    await probe.close();
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) {
      expect(s.cookie ?? '').not.toContain(token);
      expect(s.referer ?? '').not.toContain(token);
    }
  });

  it('does not let the studio page connect to another local server (CSP connect-src)', async () => {
    const before = seen.length;
    const outcome = await page.evaluate(async (port) => {
      try {
        await fetch(`http://127.0.0.1:${port}/exfiltrate`, { mode: 'no-cors' });
        return 'sent';
      } catch {
        return 'blocked';
      }
    }, otherPort);
    expect(outcome).toBe('blocked');
    expect(seen.length).toBe(before);
  });

  it('refuses the studio under a rebound host name, even with the token', async () => {
    const port = new URL(served.url).port;
    const token = new URL(served.url).searchParams.get('token')!;
    const rebound = await page.context().newPage();
    const res = await rebound.goto(`http://rebind.test:${port}/s/${token}/`);
    expect(res?.status()).toBe(421);
    await rebound.close();
  });
});
