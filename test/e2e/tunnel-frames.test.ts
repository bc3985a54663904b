// Frame variety through the tunnel, ws client → tsproxyd (the CLI on a ProxyPass ws:// config) → ws server: text,
// binary, empty and large messages, fragmented messages (with a control frame between fragments), ping/pong,
// close codes and reasons both ways, subprotocol and permessage-deflate negotiated end to end, the client's
// handshake fields and X-Forwarded-* at the backend, the 101's own fields back at the client, and a plain request
// to the ws:// route proxied as HTTP.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import type { WebSocket } from 'ws';
import { startWsBackend, type WsBackend } from '../helpers/ws-backend.js';
import { closeOf, nextMessage, once, openWs, terminateAll } from '../helpers/ws-client.js';
import { startTsproxyd, type TsproxydChild } from '../helpers/ws-proxy.js';
import { encodeFrame, FrameReader, rawUpgrade } from '../helpers/ws-raw.js';

let be: WsBackend; // no compression; picks chat.v1 when offered; adds X-Backend-101 to its 101
let beZ: WsBackend; // permessage-deflate
let px: TsproxydChild;
/** The backend side of the last connection, per backend. */
let lastServer: Promise<WebSocket>;

function expectServer(b: WsBackend, handler: (ws: WebSocket) => void = () => undefined): void {
  lastServer = new Promise((resolve) => {
    b.onConnection = (ws) => {
      handler(ws);
      resolve(ws);
    };
  });
}
const echoing = (ws: WebSocket): void => {
  ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
};

before(async () => {
  be = await startWsBackend({
    perMessageDeflate: false,
    handleProtocols: (protocols: Set<string>) => (protocols.has('chat.v1') ? 'chat.v1' : false),
  });
  be.wss.on('headers', (headers: string[]) => headers.push('X-Backend-101: yes'));
  beZ = await startWsBackend({ perMessageDeflate: { threshold: 0 } });
  px = await startTsproxyd(
    () => `ServerName proxy.example\nProxyPass /ws/ ws://127.0.0.1:${be.port}/in/\nProxyPass /z/ ws://127.0.0.1:${beZ.port}/z/\n`,
  );
});

after(async () => {
  terminateAll();
  await be?.close();
  await beZ?.close();
  if (px) assert.equal(await px.stop(), 0, `tsproxyd did not exit 0 on SIGTERM; stderr:\n${px.stderr()}`);
});

// Each test's clients go; then no backend connection may be left (a hook failure names the test before it).
afterEach(async () => {
  terminateAll();
  await be.waitOpen(0);
  await beZ.waitOpen(0);
});

const url = (path: string): string => `ws://127.0.0.1:${px.port}${path}`;

describe('messages', () => {
  test('text, binary, empty and large messages, both ways, intact and in order', { timeout: 30_000 }, async () => {
    expectServer(be, echoing);
    const { ws } = await openWs(url('/ws/m'), [], { perMessageDeflate: false });
    const big = randomBytes(300_000);
    const sent: { data: Buffer; binary: boolean }[] = [
      { data: Buffer.from('héllo ✓ wörld'), binary: false },
      { data: randomBytes(1000), binary: true },
      { data: Buffer.alloc(0), binary: false },
      { data: Buffer.alloc(0), binary: true },
      { data: Buffer.alloc(125, 'a'), binary: false }, // 7-bit length limit
      { data: Buffer.alloc(126, 'b'), binary: true }, // 16-bit length
      { data: Buffer.alloc(65_536, 'c'), binary: true }, // 64-bit length
      { data: big, binary: true },
    ];
    for (const m of sent) ws.send(m.data, { binary: m.binary });
    for (const [i, m] of sent.entries()) {
      const got = await nextMessage(ws);
      assert.equal(got.binary, m.binary, `message ${i}: type`);
      assert.ok(got.data.equals(m.data), `message ${i}: ${got.data.length} bytes back, ${m.data.length} sent`);
    }
    const server = await lastServer;
    server.send('from the backend ✓');
    server.send(Buffer.from([0, 1, 2, 255]), { binary: true });
    assert.deepEqual(await nextMessage(ws), { data: Buffer.from('from the backend ✓'), binary: false });
    assert.deepEqual(await nextMessage(ws), { data: Buffer.from([0, 1, 2, 255]), binary: true });
    ws.close();
    await closeOf(ws);
  });

  test('fragmented messages arrive whole, both ways', { timeout: 30_000 }, async () => {
    let serverGot: Promise<{ data: Buffer; binary: boolean }> | undefined;
    expectServer(be, (s) => (serverGot = nextMessage(s)));
    const { ws } = await openWs(url('/ws/frag'), [], { perMessageDeflate: false });
    const server = await lastServer;
    ws.send('frag-one|', { fin: false });
    ws.send('frag-two|', { fin: false });
    ws.send('frag-three', { fin: true });
    assert.deepEqual(await serverGot, { data: Buffer.from('frag-one|frag-two|frag-three'), binary: false });
    const clientGot = nextMessage(ws);
    server.send(Buffer.from([1, 2, 3]), { binary: true, fin: false });
    server.send(Buffer.from([4, 5]), { binary: true, fin: false });
    server.send(Buffer.from([6]), { binary: true, fin: true });
    assert.deepEqual(await clientGot, { data: Buffer.from([1, 2, 3, 4, 5, 6]), binary: true });
    ws.close();
    await closeOf(ws);
  });

  test('hand-made frames: fragments with a ping between them reach ws as one message; the pong comes back', { timeout: 30_000 }, async () => {
    let serverGot: Promise<{ data: Buffer; binary: boolean }> | undefined;
    let serverPing: Promise<unknown[]> | undefined;
    expectServer(be, (s) => {
      serverGot = nextMessage(s);
      serverPing = once(s, 'ping');
    });
    const r = await rawUpgrade(px.port, { path: '/ws/raw' });
    try {
      assert.equal(r.status, 101, r.head);
      await lastServer;
      const frames: { opcode: number; payload: Buffer }[] = [];
      let cur: { opcode: number; parts: Buffer[] } | undefined;
      const reader = new FrameReader(
        (h) => (cur = { opcode: h.opcode, parts: [] }),
        (p) => cur!.parts.push(Buffer.from(p)),
        () => frames.push({ opcode: cur!.opcode, payload: Buffer.concat(cur!.parts) }),
      );
      if (r.rest.length) reader.push(r.rest);
      r.socket.on('data', (d: Buffer) => reader.push(d));
      r.socket.resume();
      r.socket.write(
        Buffer.concat([
          encodeFrame(0x1, Buffer.from('part A, '), { fin: false, mask: true }),
          encodeFrame(0x9, Buffer.from('ping-between'), { mask: true }),
          encodeFrame(0x0, Buffer.from('part B'), { fin: true, mask: true }),
        ]),
      );
      assert.deepEqual(await serverGot, { data: Buffer.from('part A, part B'), binary: false });
      const [pingData] = (await serverPing) as [Buffer];
      assert.equal(pingData.toString(), 'ping-between');
      const t0 = Date.now();
      while (!frames.some((f) => f.opcode === 0xa) && Date.now() - t0 < 3000) await new Promise((res) => setTimeout(res, 10));
      assert.deepEqual(
        frames.map((f) => [f.opcode, f.payload.toString()]),
        [[0xa, 'ping-between']],
        'the client receives exactly the pong, with the ping payload',
      );
    } finally {
      r.socket.destroy();
    }
  });
});

describe('control frames', () => {
  test('ping/pong with payloads, client → backend and backend → client', { timeout: 30_000 }, async () => {
    expectServer(be);
    const { ws } = await openWs(url('/ws/ping'), [], { perMessageDeflate: false });
    const server = await lastServer;
    const serverPing = once<[Buffer]>(server, 'ping');
    const clientPong = once<[Buffer]>(ws, 'pong');
    ws.ping('client-ping ✓');
    assert.equal((await serverPing)[0].toString(), 'client-ping ✓');
    assert.equal((await clientPong)[0].toString(), 'client-ping ✓');
    const clientPing = once<[Buffer]>(ws, 'ping');
    const serverPong = once<[Buffer]>(server, 'pong');
    server.ping(Buffer.from([9, 8, 7]));
    assert.deepEqual([...(await clientPing)[0]], [9, 8, 7]);
    assert.deepEqual([...(await serverPong)[0]], [9, 8, 7]);
    ws.close();
    await closeOf(ws);
  });

  test('client-initiated close: code and reason reach the backend, its echo reaches the client; no socket left', { timeout: 30_000 }, async () => {
    expectServer(be);
    const { ws } = await openWs(url('/ws/cc'), [], { perMessageDeflate: false });
    const server = await lastServer;
    const serverClose = closeOf(server);
    const clientClose = closeOf(ws);
    ws.close(4321, 'client says bye ✓');
    const s = await serverClose;
    assert.deepEqual([s.code, s.reason], [4321, 'client says bye ✓']);
    const c = await clientClose;
    assert.deepEqual([c.code, c.reason], [4321, 'client says bye ✓']);
    await be.waitOpen(0);
  });

  test('server-initiated close: code and reason reach the client; no socket left', { timeout: 30_000 }, async () => {
    expectServer(be);
    const { ws } = await openWs(url('/ws/sc'), [], { perMessageDeflate: false });
    const server = await lastServer;
    const serverClose = closeOf(server);
    const clientClose = closeOf(ws);
    server.close(4999, 'server says bye');
    const c = await clientClose;
    assert.deepEqual([c.code, c.reason], [4999, 'server says bye']);
    const s = await serverClose;
    assert.deepEqual([s.code, s.reason], [4999, 'server says bye']);
    await be.waitOpen(0);
  });

  test('close 1000 without a reason, and 1001', { timeout: 30_000 }, async () => {
    for (const [code, reason] of [[1000, ''], [1001, 'going away']] as const) {
      expectServer(be);
      const { ws } = await openWs(url('/ws/c1000'), [], { perMessageDeflate: false });
      const server = await lastServer;
      const serverClose = closeOf(server);
      ws.close(code, reason);
      const s = await serverClose;
      assert.deepEqual([s.code, s.reason], [code, reason]);
    }
  });
});

describe('negotiation', () => {
  test("subprotocol: the client's list reaches the backend, the backend's choice reaches the client", { timeout: 30_000 }, async () => {
    expectServer(be);
    const n = be.upgrades.length;
    const { ws, response } = await openWs(url('/ws/proto'), ['chat.v2', 'chat.v1'], { perMessageDeflate: false });
    assert.equal(ws.protocol, 'chat.v1');
    assert.equal(response.headers['sec-websocket-protocol'], 'chat.v1');
    const rec = be.upgrades[n]!;
    assert.equal(header(rec.rawHeaders, 'Sec-WebSocket-Protocol'), 'chat.v2,chat.v1'); // as ws writes it
    const server = await lastServer;
    assert.equal(server.protocol, 'chat.v1');
    ws.close();
    await closeOf(ws);
  });

  test('permessage-deflate is negotiated end to end: both sides report it and compressed frames pass intact', { timeout: 30_000 }, async () => {
    let serverGot: Promise<{ data: Buffer; binary: boolean }> | undefined;
    expectServer(beZ, (s) => (serverGot = nextMessage(s)));
    const n = beZ.upgrades.length;
    const { ws, response } = await openWs(url('/z/deflate'), [], { perMessageDeflate: true });
    assert.match(ws.extensions, /permessage-deflate/, 'client');
    assert.match(String(response.headers['sec-websocket-extensions']), /permessage-deflate/);
    assert.match(header(beZ.upgrades[n]!.rawHeaders, 'Sec-WebSocket-Extensions') ?? '', /permessage-deflate/, 'the offer reached the backend');
    const server = await lastServer;
    assert.match(server.extensions, /permessage-deflate/, 'backend');
    const clientSocket = response.socket as Socket;
    const read0 = clientSocket.bytesRead;
    const text = 'compress me '.repeat(100_000); // 1.2 MB that deflates to a few KB
    const clientGot = nextMessage(ws);
    server.send(text);
    const got = await clientGot;
    assert.equal(got.data.toString(), text);
    const onWire = clientSocket.bytesRead - read0;
    assert.ok(onWire < 50_000, `${onWire} bytes on the wire for a 1.2 MB compressible message: not compressed end to end`);
    const bin = randomBytes(10_000);
    ws.send(bin, { binary: true });
    assert.deepEqual(await serverGot, { data: bin, binary: true });
    ws.close();
    await closeOf(ws);
  });
});

function header(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name.toLowerCase()) return raw[i + 1];
  return undefined;
}

describe('handshake fields', () => {
  test("the client's fields and X-Forwarded-* reach the backend's handshake; the 101's fields reach the client", { timeout: 30_000 }, async () => {
    expectServer(be);
    const n = be.upgrades.length;
    const { ws, response } = await openWs(url('/ws/hdr/x?q=1&r=%20'), [], {
      perMessageDeflate: false,
      origin: 'https://app.example',
      headers: { Cookie: 'sid=abc123; theme=dark', 'X-Custom-Thing': 'custom value', 'User-Agent': 'tunnel-test/1' },
    });
    const rec = be.upgrades[n]!;
    assert.equal(rec.url, '/in/hdr/x?q=1&r=%20');
    const h = (name: string): string | undefined => header(rec.rawHeaders, name);
    assert.equal(h('Host'), `127.0.0.1:${be.port}`);
    assert.equal(h('Origin'), 'https://app.example');
    assert.equal(h('Cookie'), 'sid=abc123; theme=dark');
    assert.equal(h('X-Custom-Thing'), 'custom value');
    assert.equal(h('User-Agent'), 'tunnel-test/1');
    assert.equal(h('Sec-WebSocket-Version'), '13');
    assert.match(h('Sec-WebSocket-Key') ?? '', /^[A-Za-z0-9+/]{22}==$/);
    assert.match(h('Upgrade') ?? '', /^websocket$/i);
    assert.match(h('Connection') ?? '', /\bupgrade\b/i);
    assert.equal(h('X-Forwarded-For'), '127.0.0.1');
    assert.equal(h('X-Forwarded-Host'), `127.0.0.1:${px.port}`);
    assert.equal(h('X-Forwarded-Server'), 'proxy.example');
    // The 101 comes back with the backend's own fields (ws checked Sec-WebSocket-Accept against its key: it opened).
    assert.equal(response.statusCode, 101);
    assert.equal(response.headers['x-backend-101'], 'yes');
    assert.match(String(response.headers.upgrade), /^websocket$/i);
    ws.close();
    await closeOf(ws);
  });

  test('a plain request to the ws:// route is proxied as HTTP', { timeout: 30_000 }, async () => {
    const n = be.plain.length;
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: px.port, path: '/ws/plain?a=1' }, (r) => {
          let body = '';
          r.on('data', (d) => (body += d));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
    assert.deepEqual(res, { status: 200, body: 'plain' });
    assert.equal(be.plain[n], '/in/plain?a=1');
  });
});
