// `npm start` (issue #8, a newcomer's first five minutes): package.json's start script runs the demo app and
// tsproxyd on conf/httpd.conf together. Through the proxy on 127.0.0.1:8080: the page, /headers, and the chat
// WebSocket under /ws/ (a message reaches every client); headless Chromium (playwright-core, as in
// status-browser.test.ts) opens the page and sees a message it sent come back over its WebSocket, and a message
// from another client. SIGTERM to the script stops both, with exit status 0, and frees both ports.
//
// The demo's ports are fixed (conf/httpd.conf): the tests are skipped, saying why, when either is taken.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { repoRoot } from '../conformance/harness/paths.js';
import { cleanEnv } from '../conformance/harness/proc.js';
import { ServerProcess } from '../conformance/harness/server-process.js';
import { get } from '../helpers/conf-proxy.js';
import { inboxOf, openWs, terminateAll } from '../helpers/ws-client.js';

const PROXY_PORT = 8080;
const APP_PORT = 3000;
const CHROMIUM = process.env['TSPROXYD_CHROMIUM'] ?? '/usr/bin/chromium';
const URL_ = `http://127.0.0.1:${PROXY_PORT}/`;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const busy = (await Promise.all([PROXY_PORT, APP_PORT].map(isFree))).some((free) => !free);
const skip = busy ? `127.0.0.1:${PROXY_PORT} or :${APP_PORT} is in use (the demo's fixed ports)` : undefined;

/** package.json's start script, as `npm start` runs it (with this Node). */
function startCommand(): { file: string; args: string[] } {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [node, ...args] = pkg.scripts.start.split(/\s+/);
  assert.equal(node, 'node', `the start script runs node: ${pkg.scripts.start}`);
  return { file: process.execPath, args };
}

/** The next message whose text matches `re` (welcome lines and others' messages are skipped). */
async function nextMatching(ws: Parameters<typeof inboxOf>[0], re: RegExp): Promise<string> {
  for (;;) {
    const text = (await inboxOf(ws).next(5000)).data.toString();
    if (re.test(text)) return text;
  }
}

describe('npm start: the demo app behind tsproxyd', { skip }, () => {
  let demo: ServerProcess;

  before(async () => {
    const { file, args } = startCommand();
    demo = await ServerProcess.start('npm start', {
      file,
      args,
      cwd: repoRoot(),
      env: cleanEnv(),
      ports: [PROXY_PORT, APP_PORT],
      readyWhen: (stderr) => /^tsproxyd: listening on 127\.0\.0\.1:8080$/m.test(stderr),
    });
  });

  after(async () => {
    terminateAll();
    await demo?.stop();
  });

  test('prints the URL to open and commands to try', async () => {
    for (let i = 0; i < 40 && !demo.output.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(demo.output, new RegExp(`tsproxyd demo: open ${URL_.replace(/[./]/g, '\\$&')}`));
    assert.match(demo.output, /curl -i http:\/\/127\.0\.0\.1:8080\//);
  });

  test('the page and /headers come through the proxy', async () => {
    const page = await get(PROXY_PORT, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>tsproxyd demo<\/title>/);
    assert.match(page.body, /<th>x-forwarded-host<\/th><td>127\.0\.0\.1:8080<\/td>/);
    const headers = JSON.parse((await get(PROXY_PORT, '/headers')).body) as Record<string, string>;
    assert.equal(headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(headers['x-real-ip'], '127.0.0.1');
    assert.equal(headers['host'], `127.0.0.1:${APP_PORT}`);
  });

  test('the chat WebSocket through the proxy: a message reaches every client', async () => {
    const a = (await openWs(`ws://127.0.0.1:${PROXY_PORT}/ws/chat`)).ws;
    const b = (await openWs(`ws://127.0.0.1:${PROXY_PORT}/ws/`)).ws;
    assert.match(await nextMatching(a, /^welcome/), /^welcome, guest-\d+ \(\d+ connected\)$/);
    a.send('hello from a');
    assert.match(await nextMatching(a, /hello from a/), /^guest-\d+: hello from a$/);
    assert.match(await nextMatching(b, /hello from a/), /^guest-\d+: hello from a$/);
    a.close();
    b.close();
  });

  test('in Chromium, the page shows messages over its WebSocket', { skip: existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}` }, async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM });
    try {
      const page = await browser.newPage();
      await page.goto(URL_);
      await page.waitForSelector('body[data-ws="open"]', { timeout: 5000 });
      assert.match((await page.textContent('#status')) ?? '', /connected to ws:\/\/127\.0\.0\.1:8080\/ws\/chat/);
      await page.fill('#text', 'typed in the browser');
      await page.click('#chat button');
      await page.waitForSelector('#messages li:has-text("typed in the browser")', { timeout: 5000 });
      // Another client's message appears too (the chat's broadcast, through a second tunnel).
      const other = (await openWs(`ws://127.0.0.1:${PROXY_PORT}/ws/`)).ws;
      other.send('from another client');
      await page.waitForSelector('#messages li:has-text("from another client")', { timeout: 5000 });
      assert.match(await nextMatching(other, /typed in the browser|from another client/), /from another client/);
      other.close();
    } finally {
      await browser.close();
    }
  });

  test('SIGTERM stops the demo app and tsproxyd: exit status 0, both ports free', async () => {
    const { ws } = await openWs(`ws://127.0.0.1:${PROXY_PORT}/ws/`); // an open tunnel must not hold the stop up
    const exited = new Promise<number | null>((resolve) => demo.child.once('exit', (code) => resolve(code)));
    const t0 = Date.now();
    demo.child.kill('SIGTERM'); // the script alone, as a service manager would
    assert.equal(await exited, 0, demo.output);
    assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`);
    ws.terminate();
    for (let i = 0; i < 40 && !((await isFree(PROXY_PORT)) && (await isFree(APP_PORT))); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok((await isFree(PROXY_PORT)) && (await isFree(APP_PORT)), 'both ports are free again');
  });
});
