// The status page in a real browser (issue #8): headless Chromium (Debian's `chromium`, driven by playwright-core)
// loads /server-status through the real tsproxyd process; the page's script opens <path>/ws on the same origin
// and the numbers change while traffic runs, without a reload. A screenshot is saved to the test output
// (os.tmpdir()/tsproxyd-status.png, its path printed) with a WebSocket tunnel open, so the tunnels table shows one.
//
// Skipped (with the reason) only when no Chromium is installed; .ci/run installs Debian's.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import WebSocket from 'ws';
import { freePorts } from '../conformance/harness/ports.js';
import type { ServerProcess } from '../conformance/harness/server-process.js';
import { startTsproxyd } from '../conformance/harness/tsproxyd-server.js';
import { makeConfDir, type ConfDir } from '../helpers/conf-dir.js';
import { startBackend, type RecordingBackend } from '../helpers/backend.js';
import { startWsBackend, type WsBackend } from '../helpers/ws-backend.js';

const CHROMIUM = process.env['TSPROXYD_CHROMIUM'] ?? '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;
export const SCREENSHOT = join(tmpdir(), 'tsproxyd-status.png');

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('the status page in a browser: live counters over a WebSocket', { skip: missing }, () => {
  let dir: ConfDir;
  let proxy: ServerProcess;
  let browser: Browser;
  let app: RecordingBackend;
  let wsb: WsBackend;
  let port = 0;

  before(async () => {
    app = await startBackend();
    wsb = await startWsBackend();
    [port] = (await freePorts(1)) as [number];
    dir = makeConfDir();
    const conf = dir.write(
      'httpd.conf',
      [
        'ServerName localhost',
        `Listen 127.0.0.1:${port}`,
        '<Location "/server-status">',
        '    SetHandler server-status',
        '    Require local',
        '</Location>',
        '<Proxy "balancer://app">',
        `    BalancerMember "http://127.0.0.1:${app.port}" route=a`,
        '    BalancerMember "http://127.0.0.1:9" route=b',
        '</Proxy>',
        // As in httpd, a ProxyPass for the path wins over the section's handler: exclude it first.
        'ProxyPass "/server-status" "!"',
        `ProxyPass "/chat" "ws://127.0.0.1:${wsb.port}/chat"`,
        `ProxyPass "/lb/" "balancer://app/"`,
        `ProxyPass "/" "http://127.0.0.1:${app.port}/"`,
        '',
      ].join('\n'),
    );
    proxy = await startTsproxyd(conf, { ports: [port] });
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });

  after(async () => {
    await browser?.close();
    await proxy?.stop();
    await app?.close();
    await wsb?.close();
    dir?.remove();
  });

  test('counters change while traffic runs; screenshot saved', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    await page.goto(`http://127.0.0.1:${port}/server-status`);
    assert.match(await page.title(), /tsproxyd Status/);
    // The live view connected: the first pushed update has been applied.
    await page.waitForFunction(() => Number(document.body.dataset['updates'] ?? 0) >= 1, undefined, { timeout: 5000 });
    assert.match((await page.textContent('#tsp-live')) ?? '', /updated every second over a WebSocket/);
    const requestsNow = async () => Number(await page.textContent('[data-v="requests"]'));
    const first = await requestsNow();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42)); // gone if the page reloads

    // Traffic while the page is open: plain requests, balanced requests (one member is down), and a tunnel.
    const tunnel = new WebSocket(`ws://127.0.0.1:${port}/chat`);
    await new Promise<void>((resolve, reject) => {
      tunnel.once('open', () => resolve());
      tunnel.once('error', reject);
    });
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running; i++) await get(port, i % 3 === 0 ? `/lb/t${i}` : `/t${i}`);
    })();
    try {
      await page.waitForFunction((n) => Number(document.querySelector('[data-v="requests"]')?.textContent) >= n, first + 30, { timeout: 10_000 });
      await page.waitForFunction(() => document.querySelector('[data-v="tunnelsOpen"]')?.textContent === '1', undefined, { timeout: 5000 });
      const seen = [await requestsNow()];
      await page.waitForFunction((n: number) => Number(document.querySelector('[data-v="requests"]')?.textContent) > n, seen[0]!, { timeout: 5000 });
      seen.push(await requestsNow());
      assert.ok(seen[1]! > seen[0]! && seen[0]! >= first + 30, `requests on the page: ${first} → ${seen.join(' → ')}`);
    } finally {
      running = false;
      await traffic;
    }
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'the page was not reloaded');
    assert.match((await page.textContent('#tsp-tunnels')) ?? '', new RegExp(`ws://127\\.0\\.0\\.1:${wsb.port}\\s*/chat\\s*1`));
    assert.match((await page.textContent('#tsp-balancers')) ?? '', /Proxy LoadBalancer Status for balancer:\/\/app/);
    await page.waitForFunction(() => /Init Err/.test(document.querySelector('#tsp-balancers')?.textContent ?? ''), undefined, { timeout: 5000 });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(statSync(SCREENSHOT).size > 10_000);
    process.stdout.write(`status page screenshot: ${SCREENSHOT}\n`);
    tunnel.close();
    await page.close();
  });
});
