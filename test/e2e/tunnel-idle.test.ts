// The tunnel's idle timeout, as httpd 2.4.71 computes it: max(Timeout, the route's timeout= / ProxyTimeout). An
// idle tunnel closes (both sides) after about that long; traffic in either direction keeps it open. Then
// ProxyWebsocketIdleTimeout (a tsproxyd extension, seconds, server/vhost), which overrides it, when the config
// accepts the directive.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { WebSocket } from 'ws';
import { startWsBackend, type WsBackend } from '../helpers/ws-backend.js';
import { closeOf, openWs, terminateAll } from '../helpers/ws-client.js';
import { checkConfig, startTsproxyd, type TsproxydChild } from '../helpers/ws-proxy.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let be: WsBackend;
const proxies: TsproxydChild[] = [];

before(async () => {
  be = await startWsBackend({ perMessageDeflate: false });
  be.onConnection = (ws, req) => {
    waiting.get(req.url ?? '')?.(ws);
    waiting.delete(req.url ?? '');
  };
});

after(async () => {
  terminateAll();
  await be?.close();
  for (const px of proxies) assert.equal(await px.stop(), 0, `tsproxyd did not exit 0 on SIGTERM; stderr:\n${px.stderr()}`);
});

// A tunnel the proxy failed to close must not fail the next test too.
afterEach(() => terminateAll());

async function proxy(conf: string): Promise<TsproxydChild> {
  const px = await startTsproxyd(() => `ServerName proxy.example\n${conf}`);
  proxies.push(px);
  return px;
}

/** The backend side of the next connection to `path` (the backend's path: the routes keep it). */
const waiting = new Map<string, (ws: WebSocket) => void>();
function serverFor(path: string): Promise<WebSocket> {
  assert.ok(!waiting.has(path), `two connections wait for ${path}`);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the backend got no connection for ${path}`)), 5000);
    waiting.set(path, (ws) => {
      clearTimeout(t);
      resolve(ws);
    });
  });
}

/** Opens an idle tunnel and measures how long until the client sees it close; the backend's side must close too. */
async function idleClose(port: number, path: string, expectMs: number): Promise<{ ms: number; code: number; serverClosed: boolean }> {
  const server = serverFor(path);
  const { ws } = await openWs(`ws://127.0.0.1:${port}${path}`, [], { perMessageDeflate: false });
  const s = await server;
  const serverClose = closeOf(s, expectMs + 5000).then(() => true, () => false);
  const c = await closeOf(ws, expectMs + 5000);
  return { ms: c.ms, code: c.code, serverClosed: await serverClose };
}

function assertAbout(ms: number, expectMs: number, what: string): void {
  assert.ok(ms >= expectMs * 0.9 && ms <= expectMs + 1500, `${what}: closed after ${ms} ms, expected about ${expectMs} ms`);
}

/** A tunnel with a message every 300 ms (`dir`) for `forMs`: still open at the end, and every message arrived. */
async function busyStaysOpen(port: number, path: string, dir: 'both' | 'up' | 'down', forMs: number): Promise<void> {
  const server = serverFor(path);
  const { ws } = await openWs(`ws://127.0.0.1:${port}${path}`, [], { perMessageDeflate: false });
  const s = await server;
  let atClient = 0;
  let atServer = 0;
  ws.on('message', () => atClient++);
  s.on('message', (d) => {
    atServer++;
    if (dir === 'both') s.send(d as Buffer);
  });
  let closedEarly = '';
  ws.on('close', (code) => (closedEarly ||= `client closed with ${code}`));
  let sent = 0;
  const t0 = Date.now();
  while (Date.now() - t0 < forMs) {
    await sleep(300);
    sent++;
    if (dir === 'down') s.send(`tick ${sent}`);
    else ws.send(`tick ${sent}`);
  }
  await sleep(100);
  assert.equal(closedEarly, '', `${path} (${dir}): closed after ${Date.now() - t0} ms although busy`);
  if (dir !== 'down') assert.equal(atServer, sent, `${path} (${dir}): messages at the backend`);
  if (dir !== 'up') assert.equal(atClient, sent, `${path} (${dir}): messages at the client`);
  const closed = closeOf(ws);
  ws.close(1000);
  assert.equal((await closed).code, 1000);
}

describe('Timeout 1 with timeout=1 / ProxyTimeout', () => {
  let px: TsproxydChild;
  before(async () => {
    px = await proxy(
      'Timeout 1\n' +
        `ProxyPass /t1/ ws://127.0.0.1:${be.port}/t1/ timeout=1\n` +
        `ProxyPass /t3/ ws://127.0.0.1:${be.port}/t3/ timeout=3\n`,
    );
  });

  test('an idle tunnel closes after ~1 s, both sides; with timeout=3 after ~3 s (max of the two)', { timeout: 30_000 }, async () => {
    const [one, three] = await Promise.all([idleClose(px.port, '/t1/idle', 1000), idleClose(px.port, '/t3/idle', 3000)]);
    assertAbout(one.ms, 1000, 'Timeout 1, timeout=1');
    assert.equal(one.code, 1006);
    assert.ok(one.serverClosed, "the backend's side closed too");
    assertAbout(three.ms, 3000, 'Timeout 1, timeout=3');
    assert.ok(three.serverClosed, "the backend's side closed too");
    await be.waitOpen(0);
  });

  test('a tunnel with a message every 300 ms stays open past 2.5 s: both ways, client → backend only, backend → client only', { timeout: 30_000 }, async () => {
    await Promise.all([
      busyStaysOpen(px.port, '/t1/busy-both', 'both', 2500),
      busyStaysOpen(px.port, '/t1/busy-up', 'up', 2500),
      busyStaysOpen(px.port, '/t1/busy-down', 'down', 2500),
    ]);
    await be.waitOpen(0);
  });
});

test('Timeout 3 with ProxyTimeout 1: the idle tunnel closes after ~3 s (the max, as httpd 2.4.53+)', { timeout: 30_000 }, async () => {
  const px = await proxy(`Timeout 3\nProxyTimeout 1\nProxyPass /p/ ws://127.0.0.1:${be.port}/p/\n`);
  const r = await idleClose(px.port, '/p/idle', 3000);
  assertAbout(r.ms, 3000, 'Timeout 3, ProxyTimeout 1');
  assert.ok(r.serverClosed);
  await be.waitOpen(0);
});

test('ProxyWebsocketIdleTimeout (tsproxyd extension) overrides max(Timeout, timeout)', { timeout: 30_000 }, async (t) => {
  const longer = `Timeout 1\nProxyTimeout 1\nProxyWebsocketIdleTimeout 3\nProxyPass /w/ ws://127.0.0.1:${be.port}/w/\n`;
  const shorter = `Timeout 5\nProxyWebsocketIdleTimeout 1\nProxyPass /w/ ws://127.0.0.1:${be.port}/w/ timeout=5\n`;
  const check = await checkConfig(`Listen 127.0.0.1:1\nServerName proxy.example\n${longer}`);
  if (/Invalid command 'ProxyWebsocketIdleTimeout'/.test(check.stderr)) {
    t.skip('ProxyWebsocketIdleTimeout is not accepted by this build yet (tsproxyd -t: Invalid command)');
    return;
  }
  assert.equal(check.code, 0, check.stderr);
  const [pxLonger, pxShorter] = await Promise.all([proxy(longer), proxy(shorter)]);
  const [l, s] = await Promise.all([idleClose(pxLonger.port, '/w/idle-longer', 3000), idleClose(pxShorter.port, '/w/idle-shorter', 1000)]);
  assertAbout(l.ms, 3000, 'Timeout 1, ProxyTimeout 1, ProxyWebsocketIdleTimeout 3');
  assertAbout(s.ms, 1000, 'Timeout 5, timeout=5, ProxyWebsocketIdleTimeout 1');
  assert.ok(l.serverClosed && s.serverClosed);
  await busyStaysOpen(pxShorter.port, '/w/busy', 'both', 2500);
  await be.waitOpen(0);
});
