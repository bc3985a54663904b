// Failures around the tunnel, tsproxyd (the CLI, its own process) on ws:// routes:
// - a backend that dies mid-tunnel closes its clients abnormally (1006) and the proxy keeps serving;
// - a client that resets before, during (request head sent, no 101 yet) or after the handshake leaves no backend
//   connection and no file descriptor behind, and the proxy keeps serving;
// - a backend that refuses connections: 503; a backend answering 200/426: that answer, relayed as HTTP, and the
//   bytes the client sends after it (or with its request) never reach the backend; a 101 with the wrong or no
//   Upgrade: 502 and nothing the backend sent after it reaches the client.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { WebSocket } from 'ws';
import { startRawBackend, startWsBackend, type RawBackend, type WsBackend } from '../helpers/ws-backend.js';
import { closeOf, handshakeStatus, nextMessage, openWs, terminateAll } from '../helpers/ws-client.js';
import { freePort, startTsproxyd, type TsproxydChild } from '../helpers/ws-proxy.js';
import { encodeFrame, rawUpgrade, readToClose, upgradeHead } from '../helpers/ws-raw.js';

let be: WsBackend;
let raw: RawBackend;
let px: TsproxydChild;
let deadPort: number;
const rawSockets = new Set<net.Socket>();

const SLOW_101_MS = 800;

before(async () => {
  be = await startWsBackend({ perMessageDeflate: false });
  be.onUpgrade = (req, _socket, _head, accept) => {
    if (req.url?.startsWith('/ws/slow')) setTimeout(accept, SLOW_101_MS);
    else if (req.url?.startsWith('/ws/hang')) return; // never answers
    else accept();
  };
  raw = await startRawBackend((conn, head) => {
    const path = /^\S+ (\S+)/.exec(head)?.[1] ?? '';
    const s = conn.socket;
    const answer: Record<string, string> = {
      '/raw/200': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nnot a socket',
      '/raw/426': 'HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 5\r\n\r\nnope!',
      '/raw/101-wrong': 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n',
      '/raw/101-none': 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n',
    };
    const text = answer[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
    s.write(text);
    // After a 101, a backend would start talking its protocol: none of this may reach the client.
    if (text.startsWith('HTTP/1.1 101')) s.write(encodeFrame(0x1, Buffer.from('LEAKED-AFTER-101')));
    // The connection stays open (as a keep-alive server's would) and records whatever else arrives.
  });
  deadPort = await freePort();
  px = await startTsproxyd(
    () =>
      'ServerName proxy.example\n' +
      `ProxyPass /ws/ ws://127.0.0.1:${be.port}/ws/\n` +
      `ProxyPass /raw/ ws://127.0.0.1:${raw.port}/raw/\n` +
      `ProxyPass /dead/ ws://127.0.0.1:${deadPort}/dead/\n`,
  );
});

after(async () => {
  terminateAll();
  for (const s of rawSockets) s.destroy();
  await be?.close();
  await raw?.close();
  if (px) assert.equal(await px.stop(), 0, `tsproxyd did not exit 0 on SIGTERM; stderr:\n${px.stderr()}`);
});

const url = (path: string): string => `ws://127.0.0.1:${px.port}${path}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const proxyFds = (): number => readdirSync(`/proc/${px.pid}/fd`).length;

/** A new connection through the proxy opens and echoes. */
async function proxyServes(): Promise<void> {
  assert.ok(px.alive(), `tsproxyd exited; stderr:\n${px.stderr()}`);
  const { ws } = await openWs(url('/ws/health'), [], { perMessageDeflate: false });
  ws.send('still there?');
  assert.equal((await nextMessage(ws)).data.toString(), 'still there?');
  ws.close();
  await closeOf(ws);
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) return false;
    await sleep(10);
  }
  return true;
}

describe('a backend that dies mid-tunnel', () => {
  test('its clients close with 1006; the proxy keeps serving new connections', { timeout: 30_000 }, async () => {
    await be.waitOpen(0);
    const clients: WebSocket[] = [];
    for (let i = 0; i < 20; i++) {
      const { ws } = await openWs(url(`/ws/victim/${i}`), [], { perMessageDeflate: false });
      ws.send(`hi ${i}`);
      assert.equal((await nextMessage(ws)).data.toString(), `hi ${i}`);
      clients.push(ws);
    }
    assert.equal(be.open(), 20);
    const closes = clients.map((ws) => closeOf(ws, 5000));
    for (const s of be.sockets()) s.destroy(); // the backend's end of every tunnel goes away without a close frame
    const got = await Promise.all(closes);
    assert.deepEqual(
      got.map((c) => c.code),
      clients.map(() => 1006),
    );
    await proxyServes();
  });

  test('a backend connection reset (RST) mid-tunnel closes the client too', { timeout: 30_000 }, async () => {
    const { ws } = await openWs(url('/ws/rst'), [], { perMessageDeflate: false });
    const closed = closeOf(ws, 5000);
    for (const s of be.sockets()) s.resetAndDestroy();
    assert.equal((await closed).code, 1006);
    await proxyServes();
  });
});

describe('client resets leave nothing behind', () => {
  const N = 30;
  let fds0 = 0;
  before(async () => {
    await proxyServes();
    await be.waitOpen(0);
    await sleep(200);
    fds0 = proxyFds();
  });

  /**
   * After each case: none of the backend connections the case made is still open 3 s after the resets, the proxy
   * holds no more descriptors than before, and it still serves. Leftovers are then destroyed so that one failing
   * case does not fail the next.
   */
  let before0 = new Set<net.Socket>();
  beforeEach(() => void (before0 = new Set(be.sockets())));
  const leftover = (): net.Socket[] => be.sockets().filter((s) => !before0.has(s));
  afterEach(async () => {
    for (const s of leftover()) s.destroy();
    await waitFor(() => proxyFds() <= fds0 + 2, 3000);
  });
  async function nothingLeft(what: string): Promise<void> {
    const closed = await waitFor(() => leftover().length === 0, 3000);
    assert.ok(closed, `${what}: the backend still has ${leftover().length} of this case's connections open 3 s after the clients reset`);
    const fdsBack = await waitFor(() => proxyFds() <= fds0 + 2, 3000);
    assert.ok(fdsBack, `${what}: the proxy holds ${proxyFds()} descriptors, ${fds0} before`);
    await proxyServes();
  }

  function connect(): Promise<net.Socket> {
    return new Promise((resolve) => {
      const s = net.connect(px.port, '127.0.0.1', () => resolve(s));
      rawSockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => rawSockets.delete(s));
    });
  }

  test('before the handshake: connect and reset; or reset halfway through the request head', { timeout: 30_000 }, async () => {
    const accepted0 = be.accepted();
    for (let i = 0; i < N; i++) {
      const s = await connect();
      if (i % 2) s.write('GET /ws/early HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websock');
      await sleep(5);
      s.resetAndDestroy();
    }
    await sleep(300);
    assert.equal(be.accepted(), accepted0, 'no backend connection for a request never completed');
    await nothingLeft('before');
  });

  test('during: request head sent, the backend has it, no 101 yet (the backend answers later)', { timeout: 30_000 }, async () => {
    const n = be.upgrades.length;
    const sockets: net.Socket[] = [];
    for (let i = 0; i < N; i++) {
      const s = await connect();
      s.write(upgradeHead(px.port, { path: `/ws/slow/${i}` }, 'dGhlIHNhbXBsZSBub25jZQ=='));
      sockets.push(s);
    }
    assert.ok(await waitFor(() => be.upgrades.length === n + N, 3000), `the backend got ${be.upgrades.length - n} of ${N} upgrade requests`);
    // Half of them reset (RST), half close (destroy(): FIN, then RST for whatever arrives).
    sockets.forEach((s, i) => (i % 2 ? s.destroy() : s.resetAndDestroy()));
    await sleep(SLOW_101_MS + 200); // the backend's 101 goes out to connections the proxy should have dropped
    await nothingLeft('during (slow 101)');
  });

  test('during: request head sent, the backend never answers, the client resets', { timeout: 30_000 }, async () => {
    const n = be.upgrades.length;
    const sockets: net.Socket[] = [];
    for (let i = 0; i < N; i++) {
      const s = await connect();
      s.write(upgradeHead(px.port, { path: `/ws/hang/${i}` }, 'dGhlIHNhbXBsZSBub25jZQ=='));
      sockets.push(s);
    }
    assert.ok(await waitFor(() => be.upgrades.length === n + N, 3000), `the backend got ${be.upgrades.length - n} of ${N} upgrade requests`);
    assert.equal(leftover().length, N);
    for (const s of sockets) s.resetAndDestroy();
    // The proxy's own timeouts (60 s) are far away: only propagating the reset frees these.
    await nothingLeft('during (no answer)');
  });

  test('after the handshake: raw reset, graceful end, and ws terminate()', { timeout: 30_000 }, async () => {
    for (let i = 0; i < N; i++) {
      const r = await rawUpgrade(px.port, { path: `/ws/after/${i}` });
      rawSockets.add(r.socket);
      assert.equal(r.status, 101, r.head);
      if (i % 3 === 0) r.socket.resetAndDestroy();
      else if (i % 3 === 1) r.socket.end();
      else r.socket.destroy();
    }
    const clients = await Promise.all(Array.from({ length: N }, (_, i) => openWs(url(`/ws/after-ws/${i}`), [], { perMessageDeflate: false })));
    for (const { ws } of clients) ws.terminate();
    await nothingLeft('after');
  });
});

describe('backends that do not open a tunnel', () => {
  test('a backend refusing connections: 503', { timeout: 30_000 }, async () => {
    const r = await handshakeStatus(url('/dead/x'));
    assert.equal(r.status, 503);
    await proxyServes();
  });

  for (const [path, status, body] of [
    ['/raw/200', 200, 'not a socket'],
    ['/raw/426', 426, 'nope!'],
  ] as const) {
    test(`a backend answering ${status}: the client gets ${status} and its body`, { timeout: 30_000 }, async () => {
      const r = await handshakeStatus(url(path));
      assert.equal(r.status, status);
      assert.equal(r.body, body);
    });

    test(`after a ${status}, bytes the client sends (after the answer, or pipelined with its request) never reach the backend`, { timeout: 30_000 }, async () => {
      const smuggledFrame = encodeFrame(0x1, Buffer.from(`FRAME-SMUGGLED-${status}`), { mask: Buffer.from([1, 2, 3, 4]) });
      // Pipelined with the request (Envoy's BidirectionalUpgradeFailedWithPrePayload).
      const pre = Buffer.concat([smuggledFrame, Buffer.from(`GET /raw/PRE-SMUGGLED-${status} HTTP/1.1\r\nHost: internal\r\n\r\n`)]);
      const a = await rawUpgrade(px.port, { path, after: pre });
      rawSockets.add(a.socket);
      assert.equal(a.status, status, a.head);
      const restA = await readToClose(a.socket, a.rest, 2000);
      assert.ok(restA.closed, `the client connection stays open after a refused upgrade ${status}`);
      // After the answer (websocket smuggling: the client then talks to the "tunnel").
      const b = await rawUpgrade(px.port, { path });
      rawSockets.add(b.socket);
      assert.equal(b.status, status, b.head);
      if (!b.socket.destroyed) b.socket.write(Buffer.concat([smuggledFrame, Buffer.from(`GET /raw/POST-SMUGGLED-${status} HTTP/1.1\r\nHost: internal\r\n\r\n`)]));
      const restB = await readToClose(b.socket, b.rest, 2000);
      await sleep(200);
      const seen = raw.allBytes().toString('latin1');
      assert.doesNotMatch(seen, new RegExp(`PRE-SMUGGLED-${status}`));
      assert.doesNotMatch(seen, new RegExp(`POST-SMUGGLED-${status}`));
      assert.ok(!raw.allBytes().includes(smuggledFrame), 'the smuggled frame reached the backend');
      assert.ok(restB.closed, `the client connection stays open after a refused upgrade ${status}`);
      assert.doesNotMatch(restA.bytes.toString('latin1') + restB.bytes.toString('latin1'), /SMUGGLED/);
    });
  }

  for (const [path, what] of [
    ['/raw/101-wrong', 'Upgrade: h2c'],
    ['/raw/101-none', 'no Upgrade'],
  ] as const) {
    test(`a 101 with ${what} to a WebSocket request: 502, nothing from the backend after it, backend connection closed`, { timeout: 30_000 }, async () => {
      const conns0 = raw.conns.length;
      const r = await handshakeStatus(url(path));
      assert.equal(r.status, 502);
      const a = await rawUpgrade(px.port, { path });
      rawSockets.add(a.socket);
      assert.equal(a.status, 502, a.head);
      const rest = await readToClose(a.socket, a.rest, 2000);
      assert.doesNotMatch(a.head + rest.bytes.toString('latin1'), /LEAKED-AFTER-101/);
      assert.ok(raw.conns.length > conns0, 'the backend was asked');
      assert.ok(await waitFor(() => raw.conns.slice(conns0).every((c) => c.finished), 2000), 'the backend connection after a bad 101 is closed');
    });
  }

  test('a 101 to a request that asked for no upgrade: 502', { timeout: 30_000 }, async () => {
    const s = net.connect(px.port, '127.0.0.1');
    rawSockets.add(s);
    s.on('error', () => undefined);
    s.write('GET /raw/101-wrong HTTP/1.1\r\nHost: x\r\n\r\n');
    const { bytes } = await readToClose(s, Buffer.alloc(0), 2000);
    assert.match(bytes.toString('latin1'), /^HTTP\/1\.1 502 /);
    assert.doesNotMatch(bytes.toString('latin1'), /LEAKED-AFTER-101/);
  });
});
